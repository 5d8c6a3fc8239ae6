#ifndef CHARGEBRIDGE_CZLIB_SHIM_H
#define CHARGEBRIDGE_CZLIB_SHIM_H
#include <zlib.h>

/// `inflateInit2(stream, 15 + 16)`: inflate a gzip stream (a macro, so Swift cannot call it).
static inline int chargebridge_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
