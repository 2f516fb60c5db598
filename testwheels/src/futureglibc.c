/* futureglibc: exists only for analysis.  Its .gnu.version_r honestly lists
 * GLIBC_2.99 from libc.so.6 (newer than any manylinux policy), so `wheelfix
 * show` must refuse every manylinux tag and name the symbol and version.
 *
 * build.py links it against a stub shared library whose SONAME is libc.so.6
 * and whose version script defines wf_future_function@@GLIBC_2.99 (plus the
 * ordinary libc symbols this object uses, at the versions the real libc
 * gives them).  No real glibc has that version, so the module cannot be
 * imported anywhere: the manifest says import=null. */
#include "wf_pymod.h"

#include <stdio.h>

void wf_future_function(void);

static PyObject *futureglibc_future(PyObject *self, PyObject *args) {
  char buf[32];
  (void)self;
  (void)args;
  wf_future_function();
  snprintf(buf, sizeof buf, "%d", 2099);
  return PyUnicode_FromString(buf);
}

static PyMethodDef futureglibc_methods[] = {
    {"future", futureglibc_future, METH_NOARGS, "Call a GLIBC_2.99 function."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(futureglibc, futureglibc_methods)
