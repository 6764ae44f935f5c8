/* A small shared library outside every manylinux policy. */
const char *greet(void) { return "hello from libgreet"; }
