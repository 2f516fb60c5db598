/* abi3new: built with -DPy_LIMITED_API=0x030A0000 but tagged cp37-abi3. It
 * imports PyUnicode_AsUTF8AndSize, which joined the Stable ABI in 3.10, so
 * the cp37 claim is false (the module fails to import on 3.7-3.9); the
 * lowest tag that holds is cp310-abi3. abi3new.utf8_len("h\u00e9") == 3. */
#include "wf_pymod.h"

static PyObject *abi3new_utf8_len(PyObject *self, PyObject *arg) {
  Py_ssize_t size = 0;
  (void)self;
  if (!PyUnicode_AsUTF8AndSize(arg, &size)) return NULL;
  return PyLong_FromSsize_t(size);
}

static PyMethodDef abi3new_methods[] = {
    {"utf8_len", abi3new_utf8_len, METH_O, "Length of a str in UTF-8 bytes."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(abi3new, abi3new_methods)
