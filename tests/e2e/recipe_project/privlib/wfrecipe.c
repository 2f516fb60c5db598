#include "wfrecipe.h"

#include <stdio.h>

void wfrecipe_greet(const char *name, char *buf, size_t size) {
  snprintf(buf, size, "recipe says hello to %s", name);
}
