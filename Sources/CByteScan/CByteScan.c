// The byte classification routines are `static inline` in the header; this file gives the target a source.
#include "CByteScan.h"
