/* wfhello: the ELF executable shipped in {dist}-{version}.data/scripts/ of
 * the withscript wheel.  Prints "hello from wfhello" (from libwfhello.so.1)
 * and exits 0. */
#include <stdio.h>

#include "wfhello.h"

int main(void) {
  if (puts(wfhello_greeting()) < 0) return 1;
  return 0;
}
