// libcurl through dlopen: the few entry points ChargeBridge's price sources need, declared here
// with libcurl's stable ABI values (curl/curl.h, unchanged since 7.32), so neither the build nor
// a process that does not fetch needs libcurl.
#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef void CURL;
struct curl_slist;

enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_WRITEFUNCTION = 20011,
    OPT_USERAGENT = 10018, OPT_LOW_SPEED_LIMIT = 19, OPT_LOW_SPEED_TIME = 20, OPT_HTTPHEADER = 10023,
    OPT_NOPROGRESS = 43, OPT_FOLLOWLOCATION = 52, OPT_XFERINFODATA = 10057, OPT_CAINFO = 10065,
    OPT_MAXREDIRS = 68, OPT_NOSIGNAL = 99, OPT_ACCEPT_ENCODING = 10102, OPT_TIMEOUT_MS = 155,
    OPT_CONNECTTIMEOUT_MS = 156, OPT_PROTOCOLS = 181, OPT_REDIR_PROTOCOLS = 182, OPT_XFERINFOFUNCTION = 20219,
    INFO_RESPONSE_CODE = 0x200002, PROTO_HTTP_HTTPS = 3, GLOBAL_DEFAULT = 3, ERROR_SIZE = 256,
    E_WRITE_ERROR = 23, E_OUT_OF_MEMORY = 27, E_ABORTED_BY_CALLBACK = 42,
};

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    const char *(*easy_strerror)(int);
    int loaded;
    char error[200];
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(curl.error, sizeof curl.error, "cannot load libcurl.so.4 (%s)", reason ? reason : "unknown");
        return;
    }
#define CURL_SYMBOL(field, name) \
    *(void **)(&curl.field) = dlsym(library, name); \
    if (curl.field == NULL) { snprintf(curl.error, sizeof curl.error, "libcurl.so.4 lacks %s", name); return; }
    CURL_SYMBOL(global_init, "curl_global_init")
    CURL_SYMBOL(easy_init, "curl_easy_init")
    CURL_SYMBOL(easy_setopt, "curl_easy_setopt")
    CURL_SYMBOL(easy_perform, "curl_easy_perform")
    CURL_SYMBOL(easy_getinfo, "curl_easy_getinfo")
    CURL_SYMBOL(easy_cleanup, "curl_easy_cleanup")
    CURL_SYMBOL(slist_append, "curl_slist_append")
    CURL_SYMBOL(slist_free_all, "curl_slist_free_all")
    CURL_SYMBOL(easy_strerror, "curl_easy_strerror")
#undef CURL_SYMBOL
    if (curl.global_init(GLOBAL_DEFAULT) != 0) {
        snprintf(curl.error, sizeof curl.error, "curl_global_init failed");
        return;
    }
    curl.loaded = 1;
}

struct transfer {
    chargebridge_http_body body;
    chargebridge_http_abort abort_check;
    void *context;
};

static size_t transfer_write(char *data, size_t size, size_t count, void *user) {
    struct transfer *transfer = user;
    return transfer->body(data, size * count, transfer->context);
}

static int transfer_progress(void *user, long long total_down, long long now_down, long long total_up, long long now_up) {
    (void)total_down; (void)now_down; (void)total_up; (void)now_up;
    struct transfer *transfer = user;
    return transfer->abort_check(transfer->context);
}

static void fail(chargebridge_http_outcome *outcome, int code, const char *message) {
    outcome->code = code;
    outcome->status = 0;
    snprintf(outcome->message, sizeof outcome->message, "%s", message);
}

void chargebridge_http_get(const char *url, const char *const *headers, size_t header_count,
                           const char *user_agent, const char *ca_file,
                           long connect_timeout_ms, long idle_timeout_s, long total_timeout_ms,
                           chargebridge_http_body body, chargebridge_http_abort abort_check, void *context,
                           chargebridge_http_outcome *outcome) {
    pthread_once(&curl_once, curl_load);
    if (!curl.loaded) { fail(outcome, -1, curl.error); return; }
    CURL *handle = curl.easy_init();
    if (handle == NULL) { fail(outcome, E_OUT_OF_MEMORY, "curl_easy_init failed"); return; }
    struct curl_slist *list = NULL;
    for (size_t index = 0; index < header_count; index++) {
        struct curl_slist *longer = curl.slist_append(list, headers[index]);
        if (longer == NULL) {
            curl.slist_free_all(list);
            curl.easy_cleanup(handle);
            fail(outcome, E_OUT_OF_MEMORY, "curl_slist_append failed");
            return;
        }
        list = longer;
    }
    struct transfer transfer = { body, abort_check, context };
    char error[ERROR_SIZE] = "";
    curl.easy_setopt(handle, OPT_URL, url);
    curl.easy_setopt(handle, OPT_ERRORBUFFER, error);
    curl.easy_setopt(handle, OPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, OPT_PROTOCOLS, (long)PROTO_HTTP_HTTPS);
    curl.easy_setopt(handle, OPT_REDIR_PROTOCOLS, (long)PROTO_HTTP_HTTPS);
    curl.easy_setopt(handle, OPT_FOLLOWLOCATION, 1L);
    curl.easy_setopt(handle, OPT_MAXREDIRS, 10L);
    curl.easy_setopt(handle, OPT_ACCEPT_ENCODING, "");
    curl.easy_setopt(handle, OPT_USERAGENT, user_agent);
    if (list != NULL) curl.easy_setopt(handle, OPT_HTTPHEADER, list);
    if (ca_file != NULL) curl.easy_setopt(handle, OPT_CAINFO, ca_file);
    curl.easy_setopt(handle, OPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl.easy_setopt(handle, OPT_TIMEOUT_MS, total_timeout_ms);
    curl.easy_setopt(handle, OPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(handle, OPT_LOW_SPEED_TIME, idle_timeout_s);
    curl.easy_setopt(handle, OPT_WRITEFUNCTION, transfer_write);
    curl.easy_setopt(handle, OPT_WRITEDATA, &transfer);
    curl.easy_setopt(handle, OPT_XFERINFOFUNCTION, transfer_progress);
    curl.easy_setopt(handle, OPT_XFERINFODATA, &transfer);
    curl.easy_setopt(handle, OPT_NOPROGRESS, 0L);
    int code = curl.easy_perform(handle);
    long status = 0;
    if (code == 0) curl.easy_getinfo(handle, INFO_RESPONSE_CODE, &status);
    outcome->code = code;
    outcome->status = status;
    snprintf(outcome->message, sizeof outcome->message, "%s", error[0] ? error : curl.easy_strerror(code));
    curl.slist_free_all(list);
    curl.easy_cleanup(handle);
}
