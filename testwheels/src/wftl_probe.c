/* wftlprobe: an ELF program needing libwfsparse.so.1, which the torchlike
 * wheel ships in torchlike/lib/.  Not part of the built wheels:
 * tests/e2e/test_repair_inwheel.sh adds it to a copy of torchlike as
 * .data/scripts/wftlprobe.  Prints the tag of the libwfsparse it loaded. */
#include <stdio.h>

#include "wftl.h"

int main(void) {
  printf("libwfsparse tag %d\n", wfsparse_tag());
  return 0;
}
