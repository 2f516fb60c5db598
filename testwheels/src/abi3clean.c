/* abi3clean: a limited-API extension built with -DPy_LIMITED_API=0x03070000
 * and tagged cp37-abi3. It uses only what the 3.7 Stable ABI has; Py_INCREF,
 * Py_DECREF and Py_RETURN_NONE are macros (inline code, _Py_Dealloc and
 * _Py_NoneStruct, both Stable ABI since 3.2), so the abi3 check must find no
 * problem. abi3clean.pair(1, "x") == (1, "x"). */
#include "wf_pymod.h"

static PyObject *abi3clean_pair(PyObject *self, PyObject *args) {
  PyObject *a, *b, *t;
  (void)self;
  if (!PyArg_UnpackTuple(args, "pair", 2, 2, &a, &b)) return NULL;
  Py_INCREF(a);
  t = PyTuple_Pack(2, a, b);
  Py_DECREF(a);
  return t;
}

static PyObject *abi3clean_nothing(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  Py_RETURN_NONE;
}

static PyMethodDef abi3clean_methods[] = {
    {"pair", abi3clean_pair, METH_VARARGS, "Return (a, b)."},
    {"nothing", abi3clean_nothing, METH_NOARGS, "Return None."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(abi3clean, abi3clean_methods)
