/* libwfhello.so.1: kept outside the wheel (OUTDIR/withscript-libs), so the
 * wfhello executable only runs with LD_LIBRARY_PATH or after a repair. */
#include "wfhello.h"

const char *wfhello_greeting(void) { return "hello from wfhello"; }
