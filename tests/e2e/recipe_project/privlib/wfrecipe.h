/* libwfrecipe: a private shared library the recipe test builds and hides. */
#pragma once
#include <stddef.h>

/* Writes "recipe says hello to NAME" into buf (truncated to size). */
void wfrecipe_greet(const char *name, char *buf, size_t size);
