/* The libraries of the torchlike test wheel.  Each returns WF_TAG, a digit
 * set when it is compiled, so a test can tell which copy of a library the
 * loader picked: the copy shipped in the wheel, the build machine's copy or
 * a decoy with the same SONAME elsewhere on the search path. */
#ifndef WFTL_H
#define WFTL_H

#include <stdlib.h>

#ifndef WF_TAG
#define WF_TAG 0
#endif

/* WF_TAG, through getenv so that each library links libc.so.6 as real
 * libraries do (the variable is never set). */
#define WF_OWN_TAG (getenv("WFTL_NEVER_SET") ? -100 : WF_TAG)

int wfsparse_tag(void);  /* libwfsparse.so.1 */
int wfblas_tag(void);    /* libwfblas.so.1 */
int wfsolve_tags(void);  /* libwfsolve.so.1: own, sparse, blas digits */
int wfplug_tags(void);   /* libwfplug.so.1: own, sparse digits */

#endif
