/* libwfsolve.so.1 (torchlike): shipped in the wheel at torchlike/lib/ with
 * no RUNPATH, like libcusolver; needs libwfsparse.so.1 (also in the wheel)
 * and the external libwfblas.so.1.  Returns its own, libwfsparse's and
 * libwfblas's tags as three decimal digits. */
#include "wftl.h"

int wfsolve_tags(void) { return WF_OWN_TAG * 100 + wfsparse_tag() * 10 + wfblas_tag(); }
