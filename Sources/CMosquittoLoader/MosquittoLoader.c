// libmosquitto through dlopen (see CMosquittoLoader.h): every libmosquitto function the MQTT
// client calls, with the prototype <mosquitto.h> (2.0) declares, forwarding to the library's own,
// looked up on the first call. The signatures are checked against the header by the compiler.
#include "CMosquittoLoader.h"
#include <dlfcn.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void chargebridge_mosquitto_loader_linked(void) {}

static struct {
    const char * (*connack_string)(int connack_code);
    int (*connect_bind_v5)(struct mosquitto *mosq, const char *host, int port, int keepalive, const char *bind_address, const mosquitto_property *properties);
    void (*connect_v5_callback_set)(struct mosquitto *mosq, void (*on_connect)(struct mosquitto *, void *, int, int, const mosquitto_property *));
    void (*destroy)(struct mosquitto *mosq);
    int (*disconnect_v5)(struct mosquitto *mosq, int reason_code, const mosquitto_property *properties);
    int (*int_option)(struct mosquitto *mosq, enum mosq_opt_t option, int value);
    int (*lib_init)(void);
    void (*log_callback_set)(struct mosquitto *mosq, void (*on_log)(struct mosquitto *, void *, int, const char *));
    int (*loop)(struct mosquitto *mosq, int timeout, int max_packets);
    int (*loop_read)(struct mosquitto *mosq, int max_packets);
    void (*message_v5_callback_set)(struct mosquitto *mosq, void (*on_message)(struct mosquitto *, void *, const struct mosquitto_message *, const mosquitto_property *));
    struct mosquitto * (*new)(const char *id, bool clean_session, void *obj);
    int (*property_add_int32)(mosquitto_property **proplist, int identifier, uint32_t value);
    int (*property_add_string)(mosquitto_property **proplist, int identifier, const char *value);
    void (*property_free_all)(mosquitto_property **properties);
    const mosquitto_property * (*property_read_string)(const mosquitto_property *proplist, int identifier, char **value, bool skip_first);
    int (*pub_topic_check)(const char *topic);
    int (*publish_v5)(struct mosquitto *mosq, int *mid, const char *topic, int payloadlen, const void *payload, int qos, bool retain, const mosquitto_property *properties);
    void (*publish_v5_callback_set)(struct mosquitto *mosq, void (*on_publish)(struct mosquitto *, void *, int, int, const mosquitto_property *));
    const char * (*reason_string)(int reason_code);
    int (*socket)(struct mosquitto *mosq);
    const char * (*strerror)(int mosq_errno);
    int (*subscribe_v5)(struct mosquitto *mosq, int *mid, const char *sub, int qos, int options, const mosquitto_property *properties);
    void (*subscribe_v5_callback_set)(struct mosquitto *mosq, void (*on_subscribe)(struct mosquitto *, void *, int, int, const int *, const mosquitto_property *));
    int (*threaded_set)(struct mosquitto *mosq, bool threaded);
    int (*tls_insecure_set)(struct mosquitto *mosq, bool value);
    int (*tls_opts_set)(struct mosquitto *mosq, int cert_reqs, const char *tls_version, const char *ciphers);
    int (*tls_set)(struct mosquitto *mosq, const char *cafile, const char *capath, const char *certfile, const char *keyfile, int (*pw_callback)(char *buf, int size, int rwflag, void *userdata));
    int (*unsubscribe_v5)(struct mosquitto *mosq, int *mid, const char *sub, const mosquitto_property *properties);
    void (*user_data_set)(struct mosquitto *mosq, void *obj);
    int (*username_pw_set)(struct mosquitto *mosq, const char *username, const char *password);
    int (*will_set)(struct mosquitto *mosq, const char *topic, int payloadlen, const void *payload, int qos, bool retain);
} library;

static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void stop(const char *problem, const char *detail) {
    fprintf(stderr, "chargebridge: cannot use libmosquitto.so.1: %s%s\n", problem, detail ? detail : "");
    exit(1);
}

static void library_load(void) {
    void *handle = dlopen("libmosquitto.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        stop("", reason ? reason : "it cannot be loaded");
    }
#define SYMBOL(field) \
    *(void **)(&library.field) = dlsym(handle, "mosquitto_" #field); \
    if (library.field == NULL) stop("it lacks mosquitto_", #field);
    SYMBOL(connack_string)
    SYMBOL(connect_bind_v5)
    SYMBOL(connect_v5_callback_set)
    SYMBOL(destroy)
    SYMBOL(disconnect_v5)
    SYMBOL(int_option)
    SYMBOL(lib_init)
    SYMBOL(log_callback_set)
    SYMBOL(loop)
    SYMBOL(loop_read)
    SYMBOL(message_v5_callback_set)
    SYMBOL(new)
    SYMBOL(property_add_int32)
    SYMBOL(property_add_string)
    SYMBOL(property_free_all)
    SYMBOL(property_read_string)
    SYMBOL(pub_topic_check)
    SYMBOL(publish_v5)
    SYMBOL(publish_v5_callback_set)
    SYMBOL(reason_string)
    SYMBOL(socket)
    SYMBOL(strerror)
    SYMBOL(subscribe_v5)
    SYMBOL(subscribe_v5_callback_set)
    SYMBOL(threaded_set)
    SYMBOL(tls_insecure_set)
    SYMBOL(tls_opts_set)
    SYMBOL(tls_set)
    SYMBOL(unsubscribe_v5)
    SYMBOL(user_data_set)
    SYMBOL(username_pw_set)
    SYMBOL(will_set)
#undef SYMBOL
}

#define LOADED() pthread_once(&library_once, library_load)

const char *mosquitto_connack_string(int connack_code) {
    LOADED();
    return library.connack_string(connack_code);
}

int mosquitto_connect_bind_v5(struct mosquitto *mosq, const char *host, int port, int keepalive, const char *bind_address, const mosquitto_property *properties) {
    LOADED();
    return library.connect_bind_v5(mosq, host, port, keepalive, bind_address, properties);
}

void mosquitto_connect_v5_callback_set(struct mosquitto *mosq, void (*on_connect)(struct mosquitto *, void *, int, int, const mosquitto_property *)) {
    LOADED();
    library.connect_v5_callback_set(mosq, on_connect);
}

void mosquitto_destroy(struct mosquitto *mosq) {
    LOADED();
    library.destroy(mosq);
}

int mosquitto_disconnect_v5(struct mosquitto *mosq, int reason_code, const mosquitto_property *properties) {
    LOADED();
    return library.disconnect_v5(mosq, reason_code, properties);
}

int mosquitto_int_option(struct mosquitto *mosq, enum mosq_opt_t option, int value) {
    LOADED();
    return library.int_option(mosq, option, value);
}

int mosquitto_lib_init(void) {
    LOADED();
    return library.lib_init();
}

void mosquitto_log_callback_set(struct mosquitto *mosq, void (*on_log)(struct mosquitto *, void *, int, const char *)) {
    LOADED();
    library.log_callback_set(mosq, on_log);
}

int mosquitto_loop(struct mosquitto *mosq, int timeout, int max_packets) {
    LOADED();
    return library.loop(mosq, timeout, max_packets);
}

int mosquitto_loop_read(struct mosquitto *mosq, int max_packets) {
    LOADED();
    return library.loop_read(mosq, max_packets);
}

void mosquitto_message_v5_callback_set(struct mosquitto *mosq, void (*on_message)(struct mosquitto *, void *, const struct mosquitto_message *, const mosquitto_property *)) {
    LOADED();
    library.message_v5_callback_set(mosq, on_message);
}

struct mosquitto *mosquitto_new(const char *id, bool clean_session, void *obj) {
    LOADED();
    return library.new(id, clean_session, obj);
}

int mosquitto_property_add_int32(mosquitto_property **proplist, int identifier, uint32_t value) {
    LOADED();
    return library.property_add_int32(proplist, identifier, value);
}

int mosquitto_property_add_string(mosquitto_property **proplist, int identifier, const char *value) {
    LOADED();
    return library.property_add_string(proplist, identifier, value);
}

void mosquitto_property_free_all(mosquitto_property **properties) {
    LOADED();
    library.property_free_all(properties);
}

const mosquitto_property *mosquitto_property_read_string(const mosquitto_property *proplist, int identifier, char **value, bool skip_first) {
    LOADED();
    return library.property_read_string(proplist, identifier, value, skip_first);
}

int mosquitto_pub_topic_check(const char *topic) {
    LOADED();
    return library.pub_topic_check(topic);
}

int mosquitto_publish_v5(struct mosquitto *mosq, int *mid, const char *topic, int payloadlen, const void *payload, int qos, bool retain, const mosquitto_property *properties) {
    LOADED();
    return library.publish_v5(mosq, mid, topic, payloadlen, payload, qos, retain, properties);
}

void mosquitto_publish_v5_callback_set(struct mosquitto *mosq, void (*on_publish)(struct mosquitto *, void *, int, int, const mosquitto_property *)) {
    LOADED();
    library.publish_v5_callback_set(mosq, on_publish);
}

const char *mosquitto_reason_string(int reason_code) {
    LOADED();
    return library.reason_string(reason_code);
}

int mosquitto_socket(struct mosquitto *mosq) {
    LOADED();
    return library.socket(mosq);
}

const char *mosquitto_strerror(int mosq_errno) {
    LOADED();
    return library.strerror(mosq_errno);
}

int mosquitto_subscribe_v5(struct mosquitto *mosq, int *mid, const char *sub, int qos, int options, const mosquitto_property *properties) {
    LOADED();
    return library.subscribe_v5(mosq, mid, sub, qos, options, properties);
}

void mosquitto_subscribe_v5_callback_set(struct mosquitto *mosq, void (*on_subscribe)(struct mosquitto *, void *, int, int, const int *, const mosquitto_property *)) {
    LOADED();
    library.subscribe_v5_callback_set(mosq, on_subscribe);
}

int mosquitto_threaded_set(struct mosquitto *mosq, bool threaded) {
    LOADED();
    return library.threaded_set(mosq, threaded);
}

int mosquitto_tls_insecure_set(struct mosquitto *mosq, bool value) {
    LOADED();
    return library.tls_insecure_set(mosq, value);
}

int mosquitto_tls_opts_set(struct mosquitto *mosq, int cert_reqs, const char *tls_version, const char *ciphers) {
    LOADED();
    return library.tls_opts_set(mosq, cert_reqs, tls_version, ciphers);
}

int mosquitto_tls_set(struct mosquitto *mosq, const char *cafile, const char *capath, const char *certfile, const char *keyfile, int (*pw_callback)(char *buf, int size, int rwflag, void *userdata)) {
    LOADED();
    return library.tls_set(mosq, cafile, capath, certfile, keyfile, pw_callback);
}

int mosquitto_unsubscribe_v5(struct mosquitto *mosq, int *mid, const char *sub, const mosquitto_property *properties) {
    LOADED();
    return library.unsubscribe_v5(mosq, mid, sub, properties);
}

void mosquitto_user_data_set(struct mosquitto *mosq, void *obj) {
    LOADED();
    library.user_data_set(mosq, obj);
}

int mosquitto_username_pw_set(struct mosquitto *mosq, const char *username, const char *password) {
    LOADED();
    return library.username_pw_set(mosq, username, password);
}

int mosquitto_will_set(struct mosquitto *mosq, const char *topic, int payloadlen, const void *payload, int qos, bool retain) {
    LOADED();
    return library.will_set(mosq, topic, payloadlen, payload, qos, retain);
}
