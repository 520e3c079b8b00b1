/*
 * Loads plugins/alg-boringssl/.libs/alg-boringssl.so from the build tree
 * (TOP_BUILDDIR) and serves it through gkdc_crypto_init_single().
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/host.h>
#include <gkdc/plugin.h>

#include "oscore_crypto_fixture.h"

#ifndef TOP_BUILDDIR
#error "TOP_BUILDDIR must name the build tree"
#endif

static void *dl;
static const struct gkdc_plugin_desc *desc;
static struct gkdc_provider provider;
static struct gkdc_crypto adapter;
static int loaded;

static void fixture_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  if (level <= GKDC_LOG_WARNING) {
    fputs("alg-boringssl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
  }
}

static void fixture_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fixture_vlog(self, level, fmt, ap);
  va_end(ap);
}

static int fixture_log_enabled(int level)
{
  return level <= GKDC_LOG_WARNING;
}

static struct gkdc_host_api host_api = {
  .size = sizeof(struct gkdc_host_api),
  .abi_minor = GKDC_ABI_MINOR,
  .log = fixture_log,
  .vlog = fixture_vlog,
  .log_enabled = fixture_log_enabled,
};

const struct gkdc_crypto *oscore_test_crypto(void)
{
  const char *path = TOP_BUILDDIR "/plugins/alg-boringssl/.libs/alg-boringssl.so";
  gkdc_plugin_entry_fn entry;
  void *state = NULL;

  if (loaded)
    return &adapter;

  dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return NULL;
  }
  entry = (gkdc_plugin_entry_fn)dlsym(dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL || (desc = entry()) == NULL || desc->abi_major != GKDC_ABI_MAJOR ||
      desc->kind != GKDC_PLUGIN_ALG) {
    fprintf(stderr, "%s is not an alg plugin of ABI %d\n", path, GKDC_ABI_MAJOR);
    return NULL;
  }
  if (!desc->init(NULL, &host_api, &state)) {
    fprintf(stderr, "alg-boringssl init failed\n");
    return NULL;
  }

  provider.ops = desc->ops;
  provider.state = state;
  provider.plugin_name = desc->name;
  gkdc_crypto_init_single(&adapter, &provider);
  loaded = 1;
  return &adapter;
}

void oscore_test_crypto_unload(void)
{
  if (loaded && desc->fini != NULL)
    desc->fini(provider.state);
  if (dl != NULL && getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(dl);
  dl = NULL;
  loaded = 0;
}

size_t oscore_test_unhex(const char *hex, uint8_t *out, size_t cap)
{
  size_t n = strlen(hex) / 2;
  size_t i;

  if (n > cap) {
    fprintf(stderr, "unhex: %zu bytes do not fit in %zu\n", n, cap);
    abort();
  }
  for (i = 0; i < n; i++) {
    unsigned v;

    if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
      fprintf(stderr, "unhex: invalid hex at offset %zu\n", 2 * i);
      abort();
    }
    out[i] = (uint8_t)v;
  }
  return n;
}
