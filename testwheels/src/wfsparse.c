/* libwfsparse.so.1 (torchlike): shipped in the wheel at torchlike/lib/ with
 * no RUNPATH of its own, like libcusparse in torch/nvidia wheels; another
 * copy (another WF_TAG) is on the build machine's library path.  Needs the
 * external libwfblas.so.1. */
#include "wftl.h"

int wfsparse_tag(void) { return wfblas_tag() > 0 ? WF_OWN_TAG : -1; }
