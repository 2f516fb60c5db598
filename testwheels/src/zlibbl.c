/* zlibbl: an extension linked with -lz that has the zlib-internal symbol
 * zcalloc as an undefined, non-weak dynamic symbol.  Policies blacklist
 * zcalloc/zcfree of libz.so.1, so `show` must reject every manylinux tag.
 *
 * Debian's libz.so.1 does not export zcalloc, and Python dlopens extensions
 * with RTLD_NOW, so a call or an address-taking reference (a PLT or GOT
 * relocation) would make the import fail.  The reference is therefore made
 * with a no-op relocation (BFD_RELOC_NONE): the static linker records the
 * undefined symbol in .dynsym, but no dynamic relocation names it, so the
 * loader never looks it up and the module imports fine.
 * zlibbl.crc32(b"hello") == zlib.crc32(b"hello"). */
#include "wf_pymod.h"

#include <zlib.h>

extern voidpf zcalloc(voidpf opaque, unsigned items, unsigned size);
__asm__(".reloc ., BFD_RELOC_NONE, zcalloc");

static PyObject *zlibbl_crc32(PyObject *self, PyObject *args) {
  const char *data;
  Py_ssize_t len;
  (void)self;
  if (!PyArg_ParseTuple(args, "y#", &data, &len)) return NULL;
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, (const Bytef *)data, (uInt)len);
  return PyLong_FromUnsignedLong(crc);
}

static PyMethodDef zlibbl_methods[] = {
    {"crc32", zlibbl_crc32, METH_VARARGS, "CRC-32 of bytes, computed by libz."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(zlibbl, zlibbl_methods)
