/*
 * hello: a minimal gkdc plugin built outside the gkdc source tree.
 *
 * It shows the whole contract of a plugin in one file: the descriptor, the
 * entry point, init and fini, a call through the host API table guarded by
 * GKDC_HAS_OP, and a CoAP resource. Build it against an installed SDK:
 *
 *   cc -shared -fPIC -Wl,--no-undefined -o hello.so hello-plugin.c \
 *      $(pkg-config --cflags --libs gkdc-plugin)
 *
 * copy hello.so into `pkg-config --variable=plugindir gkdc-plugin`, or list
 * its directory next to that one, and name it in the config file of
 * `gkdc serve`:
 *
 *   plugin_dir = ( "/usr/local/lib/gkdc/plugins", "/path/to/hello/dir" );
 *   plugins = ( "alg-boringssl", "hello" );
 *
 * GET /hello then returns the text "hello from a plugin".
 */
#include <stdlib.h>
#include <string.h>

#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/pop.h>

/* Per-instance state that init allocates and fini releases. */
struct hello_state {
  const struct gkdc_host_api *host;
  gkdc_plugin *self;
  unsigned long requests;
};

static const char hello_text[] = "hello from a plugin";

static int hello_get(void *arg, const struct gkdc_request *req,
                     struct gkdc_response *resp) {
  struct hello_state *st = arg;

  st->requests++;
  st->host->log(st->self, GKDC_LOG_INFO, "GET /hello from %s (request %lu)",
                req->peer != NULL && req->peer->address != NULL
                    ? req->peer->address
                    : "an unknown peer",
                st->requests);

  /* gkdc_response_set() is a function of libgkdc (linked with -lgkdc), not
   * a member of the host API table. */
  if (!gkdc_response_set(resp, GKDC_CODE(2, 5), 0 /* text/plain */,
                         (const uint8_t *)hello_text, strlen(hello_text)))
    resp->code = GKDC_CODE(5, 0);
  return GKDC_HANDLED;
}

static int hello_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                      void **state_out) {
  struct gkdc_route route;
  struct hello_state *st;

  /* A host of an older minor version may lack an operation, so check each
   * one before its first call. */
  if (!GKDC_HAS_OP(host, log) || !GKDC_HAS_OP(host, route_add))
    return 0;

  st = calloc(1, sizeof(*st));
  if (st == NULL) {
    host->log(self, GKDC_LOG_ERR, "out of memory");
    return 0;
  }
  st->host = host;
  st->self = self;

  memset(&route, 0, sizeof(route));
  route.size = sizeof(route);
  route.path = "hello";
  route.methods = GKDC_METHOD_BIT(GKDC_GET);
  route.link_attrs = "rt=\"gkdc.hello\";ct=0";
  route.handler = hello_get;
  route.arg = st;
  if (!host->route_add(self, &route)) {
    host->log(self, GKDC_LOG_ERR, "cannot add the route /hello");
    free(st);
    return 0;
  }

  host->log(self, GKDC_LOG_INFO, "hello plugin ready (host ABI minor %u)",
            (unsigned)host->abi_minor);
  *state_out = st;
  return 1;
}

static void hello_fini(void *state) {
  /* The host removes the plugin's routes before it calls fini. */
  free(state);
}

/*
 * Every plugin has a kind, and the host registers it under the key of that
 * kind. This one is a pop plugin whose method "hello" no group selects
 * (groups use "sign" or "dh-mac"), so loading it changes nothing else in the
 * host. Its operations fail with GKDC_POP_ERR_UNSUPPORTED.
 */
static int hello_pop_create(void *st, const struct gkdc_pop_params *params,
                            const struct gkdc_pop_key *own,
                            const struct gkdc_cred_info *peer,
                            const uint8_t *input, size_t input_len,
                            uint8_t *evidence, size_t *evidence_len, int *err) {
  if (err != NULL)
    *err = GKDC_POP_ERR_UNSUPPORTED;
  return 0;
}

static int hello_pop_verify(void *st, const struct gkdc_pop_params *params,
                            const struct gkdc_pop_key *own,
                            const struct gkdc_cred_info *prover,
                            const uint8_t *input, size_t input_len,
                            const uint8_t *evidence, size_t evidence_len,
                            int *err) {
  if (err != NULL)
    *err = GKDC_POP_ERR_UNSUPPORTED;
  return 0;
}

static const struct gkdc_pop_ops hello_ops = {
    .size = sizeof(struct gkdc_pop_ops),
    .name = "hello",
    .create = hello_pop_create,
    .verify = hello_pop_verify,
};

/* The SDK test overrides this to build a plugin of another major version,
 * which the host must reject before calling anything in it. */
#ifndef HELLO_ABI_MAJOR
#define HELLO_ABI_MAJOR GKDC_ABI_MAJOR
#endif

static const struct gkdc_plugin_desc hello_desc = {
    .abi_major = HELLO_ABI_MAJOR,
    /*
     * The minor version this plugin needs. It is 0 on purpose, as if the
     * plugin were built against the first SDK of major 1. Such a plugin
     * keeps loading in a newer host, because tables only grow at their end
     * and the host checks `size` before it calls an operation. Normally
     * write GKDC_ABI_MINOR here.
     */
    .abi_minor = 0,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_POP,
    .name = "hello",
    .version = "1.0",
    .description = "example plugin built out of tree: GET /hello",
    .init = hello_init,
    .fini = hello_fini,
    .ops = &hello_ops,
};

GKDC_PLUGIN_DEFINE(hello_desc)
