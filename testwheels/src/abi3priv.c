/* abi3priv: built with -DPy_LIMITED_API=0x03070000 and tagged cp37-abi3, but
 * it declares and calls CPython's private _PyLong_AsByteArray, which is not
 * in the Stable ABI (no abi3 tag can hold; CPython 3.13 changed its
 * signature). The interpreter it is built for exports it, so it imports.
 * abi3priv.le4(258) == b"\x02\x01\x00\x00". */
#include "wf_pymod.h"

/* The CPython 3.7-3.12 declaration (not visible under Py_LIMITED_API). */
extern int _PyLong_AsByteArray(PyObject *v, unsigned char *bytes, size_t n, int little_endian,
                               int is_signed);

static PyObject *abi3priv_le4(PyObject *self, PyObject *arg) {
  unsigned char buf[4];
  (void)self;
  if (_PyLong_AsByteArray(arg, buf, sizeof buf, 1, 0) < 0) return NULL;
  return PyBytes_FromStringAndSize((const char *)buf, sizeof buf);
}

static PyMethodDef abi3priv_methods[] = {
    {"le4", abi3priv_le4, METH_O, "An int as 4 little-endian bytes."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(abi3priv, abi3priv_methods)
