/*
 * Internal interfaces between the parts of libgkdc. Never installed and never
 * included by a plugin.
 *
 * The host is a process-wide singleton: one config, one registry, one CoAP
 * context, driven by one thread.
 */
#ifndef GKDC_HOST_INTERNAL_H
#define GKDC_HOST_INTERNAL_H

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>

#include <gkdc/plugin.h>
#include <gkdc/host.h>

/* ---- logging (log.c) ---- */

/* Opens the log sink: "stderr" or "syslog"; `level` is the maximum level
 * printed (GKDC_LOG_*). Returns 1, or 0 for an unknown sink. */
int gkdc_log_open(const char *sink, int level);
void gkdc_log_close(void);
int gkdc_log_enabled(int level);
/* Logs one line; `who` is "host", "coap" or a plugin name. */
void gkdc_log(int level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gkdc_vlog(int level, const char *who, const char *fmt, va_list ap);
/* Changes the maximum level printed without changing the sink. */
void gkdc_log_set_level(int level);
/* Maps "error", "warning", "notice", "info", "debug" to GKDC_LOG_*;
 * returns 1, or 0 for another name. */
int gkdc_log_level_from_name(const char *name, int *level);
/* Returns the name of a level ("error" ...). */
const char *gkdc_log_level_name(int level);
/*
 * A log hook receives every line that passes the level filter, after
 * formatting and with control characters replaced, in addition to the sink.
 * For tests; NULL removes it.
 */
typedef void (*gkdc_log_hook_fn)(void *arg, int level, const char *who,
                                 const char *msg);
void gkdc_log_set_hook(gkdc_log_hook_fn fn, void *arg);
/*
 * Logs one line of libcoap's log output under the component "coap".
 * `level` is libcoap's level (a syslog LOG_* value). The payload in
 * libcoap's message dumps never reaches the log, because over DTLS it is
 * plaintext and can contain keys: the line of the message header keeps its
 * options but not the payload, and the hex and text lines of a binary
 * payload ("<<...>>") are dropped. libcoap's lines about malformed
 * datagrams are rate-limited. A client that installs its own libcoap log
 * handler calls this too.
 */
void gkdc_log_libcoap(int level, const char *message);

#define GKDC_ERR(...) gkdc_log(GKDC_LOG_ERR, "host", __VA_ARGS__)
#define GKDC_WARN(...) gkdc_log(GKDC_LOG_WARNING, "host", __VA_ARGS__)
#define GKDC_INFO(...) gkdc_log(GKDC_LOG_INFO, "host", __VA_ARGS__)
#define GKDC_DEBUG(...) gkdc_log(GKDC_LOG_DEBUG, "host", __VA_ARGS__)

/* ---- configuration (config.c, libconfig) ---- */

/* Loads a config file, or the embedded default when `path` is NULL.
 * Returns 1, or 0 after logging the file, line and parser message; on
 * failure the previous config stays. A successful load frees the previous
 * config and every gkdc_cfg pointer into it, so load before the plugins. */
int gkdc_config_load(const char *path);
/* Loads a config from a string (tests). */
int gkdc_config_load_string(const char *text);
void gkdc_config_free(void);
const gkdc_cfg *gkdc_config_root(void);
/* The embedded default config text. */
const char *gkdc_config_default_text(void);
/* Opens the log sink and level that the loaded config's `log` group names
 * (defaults: stderr, info). Returns 1 or 0. */
int gkdc_config_open_log(void);
/* The config's `state_dir`, "." when it has none. */
const char *gkdc_config_state_dir(void);
/* The section `plugin_config.<name>` of the loaded config, or NULL. */
const gkdc_cfg *gkdc_config_plugin_section(const char *name);

/* ---- plugins (loader.c) and the registry (registry.c) ---- */

struct gkdc_plugin {
  char *file;                         /* path of the .so */
  void *dl;                           /* dlopen handle */
  const struct gkdc_plugin_desc *desc;
  void *state;                        /* what init returned */
  int initialized;
  const gkdc_cfg *cfg;                /* its config section, or NULL */
  struct gkdc_plugin *next;
};

/*
 * Loads one plugin file, checks its descriptor (entry point present, ABI
 * major, build signature, kind, unique name) and adds it to the registry
 * without calling init. On refusal it logs one line naming the file and the
 * reason and returns 0.
 */
int gkdc_plugin_load(const char *file, gkdc_plugin **out);
/* Loads "<dir>/<name>.so". */
int gkdc_plugin_load_named(const char *dir, const char *name, gkdc_plugin **out);
/*
 * Loads every plugin that the loaded config's `plugins` list names, searching
 * `plugin_dir` (or $GKDC_PLUGIN_PATH, or GKDC_PLUGINDIR), attaches each
 * plugin's `plugin_config.<name>` section, and checks that every section
 * names a loaded plugin. Does not call init. Returns 1, or 0 after logging
 * when any plugin is rejected or missing.
 */
int gkdc_plugins_load_config(void);
/* Calls init on every loaded plugin in load order (alg and store first). */
int gkdc_plugins_init_all(void);
/* Calls fini in reverse order, then dlclose unless GKDC_NO_DLCLOSE is set. */
void gkdc_plugins_unload_all(void);
/* Iterates the loaded plugins in load order. */
gkdc_plugin *gkdc_plugins_first(void);

/* Returns "alg", "credfmt", ... for a kind, or NULL for an unknown one. */
const char *gkdc_plugin_kind_name(uint32_t kind);

/* Registry lookups behind the host API (registry.c). */
int gkdc_registry_add(gkdc_plugin *p);
void gkdc_registry_clear(void);
int gkdc_registry_find_alg(int32_t cose_alg, struct gkdc_provider *out);
int gkdc_registry_find_hkdf(int32_t cose_hash_alg, struct gkdc_provider *out);
int gkdc_registry_find_credfmt(int64_t label, struct gkdc_provider *out);
int gkdc_registry_find_pop(const char *name, struct gkdc_provider *out);
int gkdc_registry_find_profile(const char *ace_profile, struct gkdc_provider *out);
int gkdc_registry_get_single(uint32_t kind, struct gkdc_provider *out);

/* The host API table handed to plugins (host_api.c). */
const struct gkdc_host_api *gkdc_host_api(void);

/* ---- CoAP glue (coap_*.c, router.c, timer.c) ---- */

/*
 * Creates the libcoap context and the endpoints listed under `listen` in
 * the config (UDP, and DTLS when built with it). Returns 1 or 0.
 */
int gkdc_coap_start(const gkdc_cfg *root);
/* Runs the event loop until *stop becomes non-zero. Returns 1 or 0. */
int gkdc_coap_run(volatile sig_atomic_t *stop);
/* Closes sessions, endpoints and the context; safe to call twice. */
void gkdc_coap_stop(void);
/* Logs the bound endpoints ("coap://127.0.0.1:5683"), one line each. */
void gkdc_coap_log_endpoints(void);
/* Writes the bound endpoints one per line to `file` (replaced atomically).
 * Returns 1, or 0 after logging the error. */
int gkdc_coap_write_endpoints(const char *file);
/* Releases observers and pending deferred requests without answering them
 * (shutdown, before the plugins' fini). */
void gkdc_coap_release_exchanges(void);

int gkdc_router_add(gkdc_plugin *owner, const struct gkdc_route *route);
int gkdc_router_remove(gkdc_plugin *owner, const char *path);
/* Removes every route of a plugin, and its interceptor, notify hooks and
 * DTLS callbacks (before its fini). */
void gkdc_router_remove_owner(gkdc_plugin *owner);
/* Dispatches a plain request to its handler and fills resp (4.04, 4.05 ...).
 * Returns GKDC_HANDLED, or GKDC_DEFERRED when the handler deferred. Serves
 * GET /.well-known/core itself. */
int gkdc_router_dispatch(const struct gkdc_request *req, struct gkdc_response *resp);

gkdc_deferred *gkdc_coap_defer(const struct gkdc_request *req);
void gkdc_coap_respond(gkdc_deferred *d, struct gkdc_response *resp);
void gkdc_coap_notify(gkdc_plugin *self, const char *path);

/* Behind the profile hooks of the host API (see gkdc/host.h). */
int gkdc_coap_intercept_add(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg);
int gkdc_coap_exchange_reply(gkdc_exchange *x, const struct gkdc_coap_msg *msg);
int gkdc_coap_dispatch_inner(const struct gkdc_request *req, struct gkdc_response *resp);
int gkdc_coap_dtls_psk_set(gkdc_plugin *self, gkdc_dtls_psk_fn fn, void *arg);
int gkdc_coap_dtls_rpk_set(gkdc_plugin *self, const struct gkdc_bytes *private_key_pem,
                           gkdc_dtls_rpk_fn fn, void *arg);
gkdc_exchange_ref *gkdc_coap_exchange_keep(gkdc_exchange *x);
int gkdc_coap_exchange_notify(gkdc_exchange_ref *ref, const struct gkdc_coap_msg *msg);
void gkdc_coap_exchange_release(gkdc_exchange_ref *ref);
int gkdc_coap_notify_hook_add(gkdc_plugin *self, gkdc_notify_hook_fn fn, void *arg);

uint64_t gkdc_timer_add(gkdc_plugin *owner, uint64_t delay_ms, int repeat,
                        gkdc_timer_fn fn, void *arg);
void gkdc_timer_cancel(uint64_t id);
/* Cancels every timer of a plugin (before its fini). */
void gkdc_timer_cancel_owner(gkdc_plugin *owner);

#endif /* GKDC_HOST_INTERNAL_H */
