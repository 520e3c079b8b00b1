/*
 * Loads the alg-boringssl plugin from the build tree and builds a crypto
 * adapter over it, for the COSE and CWT tests. Header-only.
 */
#ifndef GKDC_TEST_COSE_CRYPTO_H
#define GKDC_TEST_COSE_CRYPTO_H

#include <dlfcn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

struct test_crypto {
  void *dl;
  const struct gkdc_plugin_desc *desc;
  struct gkdc_host_api host;
  struct gkdc_provider provider;
  struct gkdc_crypto cx;
};

/*
 * Opens plugins/alg-boringssl/.libs/alg-boringssl.so under TOP_BUILDDIR,
 * starts it with an empty host API table and sets up t->cx. Returns 1, or
 * 0 after printing why.
 */
static inline int test_crypto_open(struct test_crypto *t)
{
  const char *path = TOP_BUILDDIR "/plugins/alg-boringssl/.libs/alg-boringssl.so";
  gkdc_plugin_entry_fn entry;
  void *state = NULL;

  memset(t, 0, sizeof(*t));
  t->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (t->dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return 0;
  }
  entry = (gkdc_plugin_entry_fn)dlsym(t->dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL || (t->desc = entry()) == NULL ||
      t->desc->abi_major != GKDC_ABI_MAJOR || t->desc->kind != GKDC_PLUGIN_ALG) {
    fprintf(stderr, "%s is not an alg plugin of ABI %d\n", path, GKDC_ABI_MAJOR);
    return 0;
  }
  t->host.size = (uint32_t)offsetof(struct gkdc_host_api, log);
  if (!t->desc->init(NULL, &t->host, &state)) {
    fprintf(stderr, "%s: init failed\n", path);
    return 0;
  }
  t->provider.ops = t->desc->ops;
  t->provider.state = state;
  t->provider.plugin_name = t->desc->name;
  gkdc_crypto_init_single(&t->cx, &t->provider);
  return 1;
}

/* Stops the plugin and unloads it; keeps it mapped under ASan so that
 * leak reports can name its frames. */
static inline void test_crypto_close(struct test_crypto *t)
{
  if (t->desc != NULL && t->desc->fini != NULL)
    t->desc->fini(t->provider.state);
  if (t->dl != NULL && getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(t->dl);
  memset(t, 0, sizeof(*t));
}

#endif /* GKDC_TEST_COSE_CRYPTO_H */
