/* withscript: an ordinary importable extension; the interesting part of the
 * wheel is the wfhello executable in .data/scripts/, which needs the private
 * libwfhello.so.1.  withscript.ping() == "pong". */
#include "wf_pymod.h"

static PyObject *withscript_ping(PyObject *self, PyObject *args) {
  (void)self;
  (void)args;
  return PyUnicode_FromString("pong");
}

static PyMethodDef withscript_methods[] = {
    {"ping", withscript_ping, METH_NOARGS, "Return \"pong\"."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(withscript, withscript_methods)
