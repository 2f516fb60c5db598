/* isav3: plain C, linked with -z x86-64-v3 so the output carries a
 * GNU_PROPERTY_X86_ISA_1_NEEDED property with the x86-64-v3 bit: the binary
 * claims it does not run on baseline x86_64, which manylinux promises.
 * isav3.mul(6, 7) == 42. */
#include "wf_pymod.h"

static PyObject *isav3_mul(PyObject *self, PyObject *args) {
  long a, b;
  (void)self;
  if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
  return PyLong_FromLong(a * b);
}

static PyMethodDef isav3_methods[] = {
    {"mul", isav3_mul, METH_VARARGS, "Return a * b."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(isav3, isav3_methods)
