/* A cross-arch test program without extra libraries. */
#include <stdio.h>
int main(void) {
  puts("plain ok");
  return 0;
}
