/* privlib: an extension that needs the private library libwfpriv.so.1, which
 * itself needs libwfdep.so.2.  Neither is inside the wheel; at analysis and
 * repair time they are found only through LD_LIBRARY_PATH.
 * privlib.describe("abc") == "priv(abc)dep2". */
#include "wf_pymod.h"
#include "wfpriv.h"

static PyObject *privlib_describe(PyObject *self, PyObject *args) {
  const char *in;
  Py_ssize_t in_len;
  char buf[256];
  (void)self;
  if (!PyArg_ParseTuple(args, "s#", &in, &in_len)) return NULL;
  long n = wfpriv_describe(in, (size_t)in_len, buf, sizeof buf);
  if (n < 0) {
    PyErr_SetString(PyExc_ValueError, "input too long");
    return NULL;
  }
  return PyUnicode_FromStringAndSize(buf, (Py_ssize_t)n);
}

static PyMethodDef privlib_methods[] = {
    {"describe", privlib_describe, METH_VARARGS, "Describe a string via libwfpriv."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(privlib, privlib_methods)
