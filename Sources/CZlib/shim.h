// zlib's init functions are macros, which Swift cannot call; these wrappers can be.
#include <zlib.h>

static inline int lw_deflateInit2(z_streamp strm, int level, int windowBits, int memLevel) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}

static inline int lw_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
