#ifndef CHARGEBRIDGE_CMALLOC_SHIM_H
#define CHARGEBRIDGE_CMALLOC_SHIM_H
// glibc's malloc.h (malloc_trim), which the Glibc module leaves out. Linux only.
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
