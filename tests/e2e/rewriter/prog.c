/* An executable linked against libfix.so; exits 0 when fix_value() is 42.
   Carries an extra note so PT_NOTE holds several notes. */
#include <stdio.h>
extern int fix_value(void);
__asm__(".section .note.wheelfix,\"a\",%note\n"
        ".balign 4\n.long 9\n.long 4\n.long 1\n.asciz \"wheelfix\"\n.balign 4\n.long 0x12345678\n"
        ".previous\n");
int main(void) {
  int v = fix_value();
  printf("fix=%d\n", v);
  return v == 42 ? 0 : 1;
}
