/* libwfblas.so.1 (torchlike): external, only on the build machine's library
 * path; a repair must vendor it (once). */
#include "wftl.h"

int wfblas_tag(void) { return WF_OWN_TAG; }
