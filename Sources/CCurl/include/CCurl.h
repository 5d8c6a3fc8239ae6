#ifndef CHARGEBRIDGE_CCURL_H
#define CHARGEBRIDGE_CCURL_H
#include <stddef.h>

/// What one GET ended with: the libcurl result code (0: a response came, `status` holds its
/// HTTP status), or -1 when libcurl could not be loaded; `message` says what went wrong.
typedef struct chargebridge_http_outcome {
    int code;
    long status;
    char message[256];
} chargebridge_http_outcome;

/// Receives `size` bytes of the body; returns `size` to go on, anything else aborts the transfer.
typedef size_t (*chargebridge_http_body)(const char *data, size_t size, void *context);
/// Asked now and then during the transfer (at least once a second); non-zero aborts it.
typedef int (*chargebridge_http_abort)(void *context);

/// One blocking HTTP(S) GET through libcurl, which is opened with `dlopen("libcurl.so.4")` on
/// first use, so a process that never fetches never loads libcurl and its TLS, Kerberos and
/// LDAP libraries. Follows up to 10 redirects (HTTP and HTTPS only), accepts the encodings
/// libcurl decodes, honours the proxy variables as libcurl does. `headers` are `Name: value`
/// lines; `ca_file` (may be NULL) replaces libcurl's default CA bundle. Gives up after
/// `connect_timeout_ms` to connect, `idle_timeout_s` without a byte, `total_timeout_ms` in all.
void chargebridge_http_get(const char *url, const char *const *headers, size_t header_count,
                           const char *user_agent, const char *ca_file,
                           long connect_timeout_ms, long idle_timeout_s, long total_timeout_ms,
                           chargebridge_http_body body, chargebridge_http_abort abort_check, void *context,
                           chargebridge_http_outcome *outcome);
#endif
