/* pylinked: an extension linked against libpython (DT_NEEDED
 * libpython3.X.so.1.0), which PEP 513/599 forbid: the interpreter provides
 * those symbols.  A repair drops that DT_NEEDED with a warning.
 * pylinked.twice(21) == 42. */
#include "wf_pymod.h"

static PyObject *pylinked_twice(PyObject *self, PyObject *args) {
  long a;
  (void)self;
  if (!PyArg_ParseTuple(args, "l", &a)) return NULL;
  return PyLong_FromLong(2 * a);
}

static PyMethodDef pylinked_methods[] = {
    {"twice", pylinked_twice, METH_VARARGS, "Return 2 * a."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(pylinked, pylinked_methods)
