/*
 * as-token: the plugin_config section. It lists the audiences (resource
 * servers, each with the key the AS shares with it and how its tokens are
 * made) and the clients (their DTLS PSK identity and key, the audiences
 * and the AIF scope they may request). docs/as-token.md has the reference.
 */
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>

#include "as_internal.h"

/* Defaults of an audience. */
#define DEFAULT_LIFETIME 3600
#define DEFAULT_ALG 10       /* AES-CCM-16-64-128 */
#define DEFAULT_OSC_HKDF 5   /* HMAC 256/256, i.e. HKDF SHA-256 */
#define DEFAULT_OSC_ALG 10   /* AES-CCM-16-64-128 */

/* Group OSCORE roles and their Tperm bits (role number n is bit 1 << n). */
static const struct {
  const char *name;
  unsigned number;
} roles[] = {
    {"requester", 1},
    {"responder", 2},
    {"monitor", 3},
    {"verifier", 4},
};

static char *copy_string(const char *s)
{
  size_t n = strlen(s) + 1;
  char *c = malloc(n);

  if (c != NULL)
    memcpy(c, s, n);
  return c;
}

/* Returns 1 when every member of group `node` is named in `known`. */
static int only_known(const struct as_state *st, const gkdc_cfg *node,
                      const char *const *known)
{
  size_t i, j;

  for (i = 0; i < gkdc_cfg_count(node); i++) {
    const gkdc_cfg *m = gkdc_cfg_elem0(node, i);
    const char *name = gkdc_cfg_name(m);
    int found = 0;

    for (j = 0; name != NULL && known[j] != NULL; j++)
      if (strcmp(name, known[j]) == 0)
        found = 1;
    if (!found) {
      as_log(st, GKDC_LOG_ERR, "%s: unknown setting '%s'", gkdc_cfg_where(m),
             name != NULL ? name : "(unnamed)");
      return 0;
    }
  }
  return 1;
}

/* Reads an optional integer in [min, max]; *out keeps its default when the
 * setting is absent. Returns 0 after logging a wrong type or range. */
static int get_int_range(const struct as_state *st, const gkdc_cfg *node,
                         const char *name, int64_t min, int64_t max, int64_t *out)
{
  const gkdc_cfg *s = gkdc_cfg_get0(node, name);
  int64_t v;

  if (s == NULL)
    return 1;
  if (!gkdc_cfg_get_int(s, NULL, &v) || v < min || v > max) {
    as_log(st, GKDC_LOG_ERR, "%s: %s must be an integer from %lld to %lld",
           gkdc_cfg_where(s), name, (long long)min, (long long)max);
    return 0;
  }
  *out = v;
  return 1;
}

/* Reads an optional boolean; *out keeps its default when absent. */
static int get_bool(const struct as_state *st, const gkdc_cfg *node, const char *name,
                    int *out)
{
  const gkdc_cfg *s = gkdc_cfg_get0(node, name);

  if (s == NULL)
    return 1;
  if (!gkdc_cfg_get_bool(s, NULL, out)) {
    as_log(st, GKDC_LOG_ERR, "%s: %s must be true or false", gkdc_cfg_where(s), name);
    return 0;
  }
  return 1;
}

/* Reads an optional string that must be one of two words; *out becomes 0
 * for `first` and 1 for `second`. */
static int get_choice(const struct as_state *st, const gkdc_cfg *node, const char *name,
                      const char *first, const char *second, int *out)
{
  const gkdc_cfg *s = gkdc_cfg_get0(node, name);
  const char *v;

  if (s == NULL)
    return 1;
  if (!gkdc_cfg_get_string(s, NULL, &v) ||
      (strcmp(v, first) != 0 && strcmp(v, second) != 0)) {
    as_log(st, GKDC_LOG_ERR, "%s: %s must be \"%s\" or \"%s\"", gkdc_cfg_where(s), name,
           first, second);
    return 0;
  }
  *out = strcmp(v, second) == 0;
  return 1;
}

/* Reads a required non-empty name of at most AS_MAX_NAME bytes. */
static int get_name(const struct as_state *st, const gkdc_cfg *node, const char *name,
                    const char **out)
{
  if (!gkdc_cfg_get_string(node, name, out) || (*out)[0] == '\0' ||
      strlen(*out) > AS_MAX_NAME) {
    as_log(st, GKDC_LOG_ERR, "%s: %s must be a string of 1 to %d bytes",
           gkdc_cfg_where(node), name, AS_MAX_NAME);
    return 0;
  }
  return 1;
}

/* Reads the token alg: a COSE AEAD id, or the name of one of the two
 * AES-CCM algorithms. The crypto adapter must serve it with a key of
 * `key_len` bytes. */
static int get_token_alg(const struct as_state *st, const gkdc_cfg *node, size_t key_len,
                         int32_t *alg)
{
  const gkdc_cfg *s = gkdc_cfg_get0(node, "alg");
  const struct gkdc_alg_info *info;
  const char *text;
  int64_t v = DEFAULT_ALG;

  if (s != NULL && gkdc_cfg_get_string(s, NULL, &text)) {
    if (strcmp(text, "AES-CCM-16-64-128") == 0)
      v = 10;
    else if (strcmp(text, "AES-CCM-16-128-128") == 0)
      v = 30;
    else
      v = 0;
  } else if (s != NULL && !gkdc_cfg_get_int(s, NULL, &v)) {
    v = 0;
  }

  info = v >= INT32_MIN && v <= INT32_MAX
             ? gkdc_crypto_alg_info_get0(st->host->crypto_get0(), (int32_t)v)
             : NULL;
  if (info == NULL || info->cls != GKDC_ALG_AEAD) {
    as_log(st, GKDC_LOG_ERR, "%s: alg must name an AEAD that a loaded alg plugin "
           "serves, e.g. 10 or \"AES-CCM-16-64-128\", 30 or \"AES-CCM-16-128-128\"",
           gkdc_cfg_where(s != NULL ? s : node));
    return 0;
  }
  if (info->key_len != key_len) {
    as_log(st, GKDC_LOG_ERR, "%s: %s needs a %u-byte key, the key has %zu bytes",
           gkdc_cfg_where(node), info->name, info->key_len, key_len);
    return 0;
  }
  *alg = (int32_t)v;
  return 1;
}

static int load_audience(struct as_state *st, const gkdc_cfg *node, struct as_audience *a)
{
  static const char *const known[] = {
      "name", "key", "kid", "alg", "lifetime", "time_unit", "expiry", "cti_format",
      "rs_id", "cose_tag", "salt_len", "osc_hkdf", "osc_alg", NULL};
  const char *name, *rs_id = NULL;
  int64_t lifetime = DEFAULT_LIFETIME, salt_len = 0;
  int cti_java = 0;

  a->osc_hkdf = DEFAULT_OSC_HKDF;
  a->osc_alg = DEFAULT_OSC_ALG;
  a->tagged = 1;

  if (!only_known(st, node, known) || !get_name(st, node, "name", &name))
    return 0;
  if (as_audience_find(st, name, strlen(name)) != NULL) {
    as_log(st, GKDC_LOG_ERR, "%s: audience '%s' is listed twice", gkdc_cfg_where(node),
           name);
    return 0;
  }
  if (!gkdc_cfg_get_hex(node, "key", a->key, sizeof(a->key), &a->key_len) ||
      a->key_len == 0) {
    as_log(st, GKDC_LOG_ERR, "%s: audience '%s' needs key = \"HEX\", the key shared "
           "with the resource server (1 to %d bytes)", gkdc_cfg_where(node), name,
           AS_MAX_KEY);
    return 0;
  }
  if (gkdc_cfg_get0(node, "kid") != NULL &&
      (!gkdc_cfg_get_hex(node, "kid", a->kid, sizeof(a->kid), &a->kid_len) ||
       a->kid_len == 0)) {
    as_log(st, GKDC_LOG_ERR, "%s: kid must be a hex string of 1 to %d bytes",
           gkdc_cfg_where(gkdc_cfg_get0(node, "kid")), AS_MAX_KID);
    return 0;
  }
  if (gkdc_cfg_get0(node, "rs_id") != NULL && !get_name(st, node, "rs_id", &rs_id))
    return 0;

  if (!get_token_alg(st, node, a->key_len, &a->alg) ||
      !get_int_range(st, node, "lifetime", 1, AS_MAX_LIFETIME, &lifetime) ||
      !get_choice(st, node, "time_unit", "s", "ms", &a->time_ms) ||
      !get_choice(st, node, "expiry", "exp", "exi", &a->use_exi) ||
      !get_choice(st, node, "cti_format", "binary", "java", &cti_java) ||
      !get_bool(st, node, "cose_tag", &a->tagged) ||
      !get_int_range(st, node, "salt_len", 0, AS_MAX_SALT, &salt_len) ||
      !get_int_range(st, node, "osc_hkdf", INT32_MIN, INT32_MAX, &a->osc_hkdf) ||
      !get_int_range(st, node, "osc_alg", INT32_MIN, INT32_MAX, &a->osc_alg))
    return 0;

  a->lifetime = lifetime;
  a->salt_len = (size_t)salt_len;
  a->cti_format = cti_java ? AS_CTI_JAVA : AS_CTI_BINARY;
  a->name = copy_string(name);
  a->rs_id = copy_string(rs_id != NULL ? rs_id : name);
  return a->name != NULL && a->rs_id != NULL;
}

/* Reads the roles of one scope entry: `tperm` (an integer) or `roles` (an
 * array of role names). */
static int load_tperm(const struct as_state *st, const gkdc_cfg *node, uint64_t *tperm)
{
  const gkdc_cfg *list = gkdc_cfg_get0(node, "roles");
  int64_t v = 0;
  size_t i, j;

  if (gkdc_cfg_get0(node, "tperm") != NULL) {
    if (list != NULL || !get_int_range(st, node, "tperm", 1, INT64_MAX, &v)) {
      as_log(st, GKDC_LOG_ERR, "%s: give either tperm (a positive integer) or roles",
             gkdc_cfg_where(node));
      return 0;
    }
    *tperm = (uint64_t)v;
    return 1;
  }

  for (i = 0; list != NULL && i < gkdc_cfg_count(list); i++) {
    const char *role;
    int found = 0;

    if (!gkdc_cfg_get_string(gkdc_cfg_elem0(list, i), NULL, &role))
      role = "";
    for (j = 0; j < sizeof(roles) / sizeof(roles[0]); j++) {
      if (strcmp(role, roles[j].name) == 0) {
        v |= (int64_t)1 << roles[j].number;
        found = 1;
      }
    }
    if (!found) {
      as_log(st, GKDC_LOG_ERR, "%s: unknown role '%s'; use requester, responder, "
             "monitor or verifier", gkdc_cfg_where(list), role);
      return 0;
    }
  }
  if (v == 0) {
    as_log(st, GKDC_LOG_ERR, "%s: scope entry needs roles = [ \"requester\", ... ] or "
           "tperm = N", gkdc_cfg_where(node));
    return 0;
  }
  *tperm = (uint64_t)v;
  return 1;
}

static int load_scope(const struct as_state *st, const gkdc_cfg *node, struct as_client *c)
{
  static const char *const known[] = {"group", "roles", "tperm", NULL};
  const gkdc_cfg *list = gkdc_cfg_get0(node, "scope");
  size_t n = gkdc_cfg_count(list), i, j;

  if (list == NULL || n == 0 || n > AS_MAX_SCOPE_ENTRIES) {
    as_log(st, GKDC_LOG_ERR, "%s: client '%s' needs scope = ( { group = \"NAME\"; "
           "roles = [ ... ]; }, ... ) with 1 to %d entries", gkdc_cfg_where(node), c->id,
           AS_MAX_SCOPE_ENTRIES);
    return 0;
  }
  c->scope = calloc(n, sizeof(*c->scope));
  if (c->scope == NULL)
    return 0;

  for (i = 0; i < n; i++) {
    const gkdc_cfg *e = gkdc_cfg_elem0(list, i);
    struct as_scope_entry *s = &c->scope[i];
    const char *group;

    if (!only_known(st, e, known) || !get_name(st, e, "group", &group) ||
        !load_tperm(st, e, &s->tperm))
      return 0;
    for (j = 0; j < i; j++) {
      if (strcmp(c->scope[j].group, group) == 0) {
        as_log(st, GKDC_LOG_ERR, "%s: group '%s' is listed twice", gkdc_cfg_where(e),
               group);
        return 0;
      }
    }
    s->group = copy_string(group);
    if (s->group == NULL)
      return 0;
    c->scope_count++;
  }
  return 1;
}

static int load_client_audiences(const struct as_state *st, const gkdc_cfg *node,
                                 struct as_client *c)
{
  const gkdc_cfg *list = gkdc_cfg_get0(node, "audiences");
  size_t n = gkdc_cfg_count(list), i;

  if (list == NULL || n == 0 || n > st->audience_count) {
    as_log(st, GKDC_LOG_ERR, "%s: client '%s' needs audiences = [ \"NAME\", ... ], "
           "names from the audiences list (the first is the default)",
           gkdc_cfg_where(node), c->id);
    return 0;
  }
  c->audiences = calloc(n, sizeof(*c->audiences));
  if (c->audiences == NULL)
    return 0;

  for (i = 0; i < n; i++) {
    const char *name = "";
    const struct as_audience *a;

    gkdc_cfg_get_string(gkdc_cfg_elem0(list, i), NULL, &name);
    a = as_audience_find(st, name, strlen(name));
    if (a == NULL) {
      as_log(st, GKDC_LOG_ERR, "%s: client '%s': audience '%s' is not in the audiences "
             "list", gkdc_cfg_where(list), c->id, name);
      return 0;
    }
    c->audiences[i] = (size_t)(a - st->audiences);
  }
  c->audience_count = n;
  return 1;
}

static int load_client(struct as_state *st, const gkdc_cfg *node, struct as_client *c)
{
  static const char *const known[] = {"id",  "identity", "identity_hex", "psk",
                                      "audiences", "scope", NULL};
  const char *id, *identity;
  uint8_t binary[AS_MAX_IDENTITY];
  size_t identity_len;

  if (!only_known(st, node, known) || !get_name(st, node, "id", &id))
    return 0;
  if (as_client_by_id(st, id) != NULL) {
    as_log(st, GKDC_LOG_ERR, "%s: client '%s' is listed twice", gkdc_cfg_where(node), id);
    return 0;
  }
  c->id = copy_string(id);
  if (c->id == NULL)
    return 0;

  /* The PSK identity: text, hex for binary identities, or the client id.
   * libcoap cuts an identity at its first zero byte, but the host reads
   * the whole one from GnuTLS, so binary identities work. */
  identity = id;
  identity_len = strlen(id);
  if (gkdc_cfg_get0(node, "identity") != NULL &&
      gkdc_cfg_get0(node, "identity_hex") != NULL) {
    as_log(st, GKDC_LOG_ERR, "%s: give identity or identity_hex, not both",
           gkdc_cfg_where(node));
    return 0;
  }
  if (gkdc_cfg_get0(node, "identity") != NULL &&
      (!gkdc_cfg_get_string(node, "identity", &identity) || identity[0] == '\0' ||
       strlen(identity) > AS_MAX_IDENTITY)) {
    as_log(st, GKDC_LOG_ERR, "%s: identity must be a string of 1 to %d bytes",
           gkdc_cfg_where(node), AS_MAX_IDENTITY);
    return 0;
  }
  identity_len = strlen(identity);
  if (gkdc_cfg_get0(node, "identity_hex") != NULL) {
    if (!gkdc_cfg_get_hex(node, "identity_hex", binary, sizeof(binary), &identity_len) ||
        identity_len == 0) {
      as_log(st, GKDC_LOG_ERR, "%s: identity_hex must be a hex string of 1 to %d bytes",
             gkdc_cfg_where(node), AS_MAX_IDENTITY);
      return 0;
    }
    identity = (const char *)binary;
  }
  if (as_client_by_identity(st, (const uint8_t *)identity, identity_len) != NULL) {
    as_log(st, GKDC_LOG_ERR, "%s: client '%s': its PSK identity belongs to two clients",
           gkdc_cfg_where(node), id);
    return 0;
  }
  if (!gkdc_cfg_get_hex(node, "psk", c->psk, sizeof(c->psk), &c->psk_len) ||
      c->psk_len == 0) {
    as_log(st, GKDC_LOG_ERR, "%s: client '%s' needs psk = \"HEX\", its DTLS pre-shared "
           "key (1 to %d bytes)", gkdc_cfg_where(node), id, AS_MAX_PSK);
    return 0;
  }
  if (!load_client_audiences(st, node, c) || !load_scope(st, node, c))
    return 0;

  memcpy(c->identity, identity, identity_len);
  c->identity_len = identity_len;
  return 1;
}

int as_config_load(struct as_state *st)
{
  static const char *const known[] = {"issuer", "audiences", "clients", NULL};
  const gkdc_cfg *sec = GKDC_HAS_OP(st->host, config_get0) ? st->host->config_get0(st->self)
                                                           : NULL;
  const gkdc_cfg *audiences, *clients;
  size_t n, i;

  if (sec == NULL) {
    as_log(st, GKDC_LOG_ERR, "plugin_config.as-token is missing; it lists the audiences "
           "and the clients of the AS");
    return 0;
  }
  if (!only_known(st, sec, known))
    return 0;
  if (gkdc_cfg_get0(sec, "issuer") != NULL && !get_name(st, sec, "issuer", &st->issuer))
    return 0;

  audiences = gkdc_cfg_get0(sec, "audiences");
  n = gkdc_cfg_count(audiences);
  if (n == 0) {
    as_log(st, GKDC_LOG_ERR, "%s: audiences = ( { name = \"...\"; key = \"HEX\"; } ) "
           "needs at least one entry", gkdc_cfg_where(sec));
    return 0;
  }
  st->audiences = calloc(n, sizeof(*st->audiences));
  if (st->audiences == NULL)
    return 0;
  for (i = 0; i < n; i++) {
    if (!load_audience(st, gkdc_cfg_elem0(audiences, i), &st->audiences[i]))
      return 0;
    st->audience_count++;
  }

  clients = gkdc_cfg_get0(sec, "clients");
  n = gkdc_cfg_count(clients);
  if (n == 0) {
    as_log(st, GKDC_LOG_ERR, "%s: clients = ( { id = \"...\"; psk = \"HEX\"; ... } ) "
           "needs at least one entry", gkdc_cfg_where(sec));
    return 0;
  }
  st->clients = calloc(n, sizeof(*st->clients));
  if (st->clients == NULL)
    return 0;
  for (i = 0; i < n; i++) {
    /* Count the entry first, so that a partly loaded client is freed. */
    st->client_count++;
    if (!load_client(st, gkdc_cfg_elem0(clients, i), &st->clients[i]))
      return 0;
  }
  return 1;
}

void as_config_free(struct as_state *st)
{
  size_t i, j;

  for (i = 0; i < st->audience_count; i++) {
    free(st->audiences[i].name);
    free(st->audiences[i].rs_id);
  }
  if (st->audiences != NULL)
    gkdc_wipe(st->audiences, st->audience_count * sizeof(*st->audiences));
  free(st->audiences);
  st->audiences = NULL;
  st->audience_count = 0;

  for (i = 0; i < st->client_count; i++) {
    struct as_client *c = &st->clients[i];

    free(c->id);
    free(c->audiences);
    for (j = 0; j < c->scope_count; j++)
      free(c->scope[j].group);
    free(c->scope);
  }
  if (st->clients != NULL)
    gkdc_wipe(st->clients, st->client_count * sizeof(*st->clients));
  free(st->clients);
  st->clients = NULL;
  st->client_count = 0;
}

const struct as_audience *as_audience_find(const struct as_state *st, const char *name,
                                           size_t len)
{
  size_t i;

  for (i = 0; i < st->audience_count; i++) {
    const struct as_audience *a = &st->audiences[i];

    if (a->name != NULL && strlen(a->name) == len && memcmp(a->name, name, len) == 0)
      return a;
  }
  return NULL;
}

const struct as_client *as_client_by_identity(const struct as_state *st,
                                              const uint8_t *identity, size_t len)
{
  size_t i;

  for (i = 0; i < st->client_count; i++) {
    const struct as_client *c = &st->clients[i];

    if (c->identity_len == len && len > 0 && memcmp(c->identity, identity, len) == 0)
      return c;
  }
  return NULL;
}

const struct as_client *as_client_by_id(const struct as_state *st, const char *id)
{
  size_t i;

  for (i = 0; i < st->client_count; i++)
    if (st->clients[i].id != NULL && strcmp(st->clients[i].id, id) == 0)
      return &st->clients[i];
  return NULL;
}
