/*
 * Tests of the appprofile-group-oscore plugin (the OSCORE application
 * profile of RFC 9594), loaded from the build tree together with the real
 * store-sqlite plugin (on a temporary database) and alg-boringssl (random
 * bytes and HKDF).
 *
 * Expected encodings are written out by hand from the profile
 * (draft-ietf-ace-key-groupcomm-oscore-21) and from the values of the Java
 * implementation's test group ("feedca570000").
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/kdc.h>
#include <gkdc/pop.h>
#include <gkdc/store.h>

#include "gkdc-test.h"
#include "internal.h"
#include "unit/test_cbor_util.h"
#include "unit/test_pop_harness.h"

/* ---- fixture: the three plugins and a fresh store per test ---- */

static struct harness_plugin store_plugin;
static struct harness_plugin app_plugin;
static const struct gkdc_store_ops *store;
static const struct gkdc_appprofile_ops *ap;
static char state_dir[200];
static const gkdc_cfg *app_cfg;

static const char *host_state_dir(void) { return state_dir; }

static int host_get_store(struct gkdc_provider *out)
{
  if (store_plugin.desc == NULL)
    return 0;
  out->ops = store_plugin.desc->ops;
  out->state = store_plugin.state;
  out->plugin_name = store_plugin.desc->name;
  return 1;
}

static const gkdc_cfg *host_config_get0(gkdc_plugin *self)
{
  return (struct harness_plugin *)self == &app_plugin ? app_cfg : NULL;
}

/* Loads store-sqlite on an empty database, then the appprofile. */
static int fixture_open(void)
{
  char cmd[512];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", state_dir, state_dir);
  if (system(cmd) != 0)
    return 0;
  if (!harness_load("plugins/store-sqlite/.libs/store-sqlite.so", GKDC_PLUGIN_STORE,
                    &store_plugin))
    return 0;
  store = store_plugin.desc->ops;
  if (!harness_load("plugins/appprofile-group-oscore/.libs/appprofile-group-oscore.so",
                    GKDC_PLUGIN_APPPROFILE, &app_plugin))
    return 0;
  ap = app_plugin.desc->ops;
  return 1;
}

static void fixture_close(void)
{
  harness_unload(&app_plugin);
  harness_unload(&store_plugin);
  store = NULL;
  ap = NULL;
}

static int suite_init(void)
{
  snprintf(state_dir, sizeof(state_dir), "%s/tests/appprofile-state.%d", TOP_BUILDDIR,
           (int)getpid());
  if (!harness_setup())
    return 1;
  harness_host.state_dir = host_state_dir;
  harness_host.get_store = host_get_store;
  harness_host.config_get0 = host_config_get0;
  return fixture_open() ? 0 : 1;
}

static int suite_clean(void)
{
  char cmd[400];

  fixture_close();
  harness_teardown();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
  return system(cmd) == 0 ? 0 : 1;
}

/* Reopens both plugins on an empty database. */
static void fresh(void)
{
  fixture_close();
  CU_ASSERT_FATAL(fixture_open());
}

/* ---- helpers ---- */

/* 1 when buf[0..len) equals the hex string. */
static int bytes_are(const uint8_t *buf, size_t len, const char *hex)
{
  uint8_t want[1024];
  size_t n = unhex(hex, want, sizeof(want));

  if (n != len || memcmp(buf, want, n) != 0) {
    size_t i;

    fprintf(stderr, "\n  got  ");
    for (i = 0; i < len; i++)
      fprintf(stderr, "%02x", buf[i]);
    fprintf(stderr, "\n  want %s\n", hex);
    return 0;
  }
  return 1;
}

/* A group configuration map under construction. */
struct cfg_builder {
  uint8_t buf[512];
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t pairs;
};

static void cfg_begin(struct cfg_builder *b)
{
  gkdc_cbor_enc_init(&b->e, b->buf, sizeof(b->buf));
  b->mark = gkdc_cbor_enc_map_begin(&b->e);
  b->pairs = 0;
}

static void cfg_int(struct cfg_builder *b, int64_t key, int64_t v)
{
  gkdc_cbor_enc_put_int(&b->e, key);
  gkdc_cbor_enc_put_int(&b->e, v);
  b->pairs++;
}

static void cfg_bool(struct cfg_builder *b, int64_t key, int v)
{
  gkdc_cbor_enc_put_int(&b->e, key);
  gkdc_cbor_enc_put_bool(&b->e, v);
  b->pairs++;
}

static void cfg_hex(struct cfg_builder *b, int64_t key, const char *hex)
{
  uint8_t v[64];
  size_t n = unhex(hex, v, sizeof(v));

  gkdc_cbor_enc_put_int(&b->e, key);
  gkdc_cbor_enc_put_bstr(&b->e, v, n);
  b->pairs++;
}

static size_t cfg_end(struct cfg_builder *b)
{
  size_t len = 0;

  gkdc_cbor_enc_map_end(&b->e, b->mark, b->pairs);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&b->e, &len) == GKDC_CBOR_OK);
  return len;
}

/* Parses a configuration and creates the group; returns its record. */
static struct gkdc_store_group *group_make(const char *name, const uint8_t *cfg,
                                           size_t cfg_len)
{
  struct gkdc_store_group g;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_store_group *rec = NULL;
  uint64_t version = 99;

  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = name;
  if (!ap->config_parse(app_plugin.state, cfg, cfg_len, &g, &fail)) {
    fprintf(stderr, "config_parse: %s\n", fail.detail != NULL ? fail.detail : "?");
    return NULL;
  }
  if (!ap->group_create(app_plugin.state, &g, &version))
    return NULL;
  if (version != 0 || !store->group_get(store_plugin.state, name, &rec))
    return NULL;
  return rec;
}

/* The Java implementation's test group: prefix feedca57, epoch f05c, its
 * Master Secret and Salt, both modes, Sender ID 0x25 offered first. */
static size_t java_group_cfg(struct cfg_builder *b)
{
  cfg_begin(b);
  cfg_hex(b, GKDC_OSC_CFG_GID_PREFIX, "feedca57");
  cfg_int(b, GKDC_OSC_CFG_GID_EPOCH_START, 0xf05c);
  cfg_hex(b, GKDC_OSC_CFG_MASTER_SECRET, "0102030405060708090a0b0c0d0e0f10");
  cfg_hex(b, GKDC_OSC_CFG_MASTER_SALT, "9e7ca92223786340");
  gkdc_cbor_enc_put_int(&b->e, GKDC_OSC_CFG_SENDER_IDS);
  gkdc_cbor_enc_put_array(&b->e, 1);
  gkdc_cbor_enc_put_bstr(&b->e, (const uint8_t *)"\x25", 1);
  b->pairs++;
  return cfg_end(b);
}

/* Stores a member with `sid` (empty: none) in `group`. */
static int member_store(const char *group, const char *node, uint32_t roles,
                        const uint8_t *sid, size_t sid_len)
{
  struct gkdc_store_member m;
  uint8_t token[16];

  memset(&m, 0, sizeof(m));
  m.size = sizeof(m);
  m.group = group;
  m.node_name = node;
  snprintf((char *)token, sizeof(token), "tok-%s", node);
  m.token_id.ptr = token;
  m.token_id.len = strlen((char *)token);
  m.roles = roles;
  m.has_sender_id = sid_len > 0;
  m.sender_id.ptr = sid;
  m.sender_id.len = sid_len;
  m.joined = m.updated = 1700000000;
  return store->member_put(store_plugin.state, &m);
}

/* Wraps a member record for the appprofile. */
static struct gkdc_ap_member ap_member(const struct gkdc_store_member *rec)
{
  struct gkdc_ap_member am;

  memset(&am, 0, sizeof(am));
  am.size = sizeof(am);
  am.rec = rec;
  return am;
}

/* Checks the profile's extra parameters for `context`: one pair, `hex`. */
static void extra_is(const struct gkdc_store_group *rec, int context, const char *hex)
{
  uint8_t extra[64];
  size_t extra_len = sizeof(extra);
  size_t count = 0;

  CU_ASSERT_TRUE(ap->extra_write(app_plugin.state, rec, context, NULL, extra, &extra_len,
                                 &count));
  CU_ASSERT_EQUAL(count, 1);
  CU_ASSERT_TRUE(bytes_are(extra, extra_len, hex));
}

/* ---- descriptor and numbers ---- */

static void test_descriptor(void)
{
  CU_ASSERT_EQUAL(app_plugin.desc->kind, GKDC_PLUGIN_APPPROFILE);
  CU_ASSERT_STRING_EQUAL(app_plugin.desc->name, "appprofile-group-oscore");
  CU_ASSERT_EQUAL(ap->groupcomm_profile, 1);
  CU_ASSERT_EQUAL(ap->gkty, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(ap->group_link_attrs, "rt=\"core.osc.gm\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(ap->group_link_attrs, "if=\"ace.group\""));
  CU_ASSERT_EQUAL(ap->resource_count, 3);
  CU_ASSERT_TRUE(GKDC_HAS_OP(ap, config_encode));
  CU_ASSERT_TRUE(GKDC_HAS_OP(ap, info_entry_write));
  CU_ASSERT_EQUAL(GKDC_OSC_ERR_NO_SIGNATURES, 7);
  CU_ASSERT_EQUAL(GKDC_OSC_ERR_ONLY_VERIFIERS, 8);
  CU_ASSERT_EQUAL(GKDC_OSC_ERR_GROUP_INACTIVE, 9);
  CU_ASSERT_EQUAL(GKDC_OSC_SCOPE_TAG, 0x63740101u + (297 / 255) * 256 + 297 % 255);
}

/* ---- roles and scopes ---- */

static void test_join_role_table(void)
{
  uint64_t roles;

  for (roles = 0; roles < 32; roles++) {
    uint8_t entry[16];
    struct gkdc_bytes b = {entry, 0};
    struct gkdc_ap_fail fail = {0, -1, NULL};
    uint64_t got = 0;
    int valid = roles == 2 || roles == 4 || roles == 6 || roles == 8;
    struct gkdc_cbor_enc e;

    gkdc_cbor_enc_init(&e, entry, sizeof(entry));
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_tstr_z(&e, "gp1");
    gkdc_cbor_enc_put_uint(&e, roles);
    CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &b.len) == GKDC_CBOR_OK);
    CU_ASSERT_EQUAL(ap->join_scope_parse(app_plugin.state, b, "gp1", &got, &fail), valid);
    if (valid) {
      CU_ASSERT_EQUAL(got, roles);
    } else {
      CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
    }
  }
  CU_ASSERT_FALSE(ap->roles_need_cred(app_plugin.state, GKDC_OSC_ROLE_MONITOR));
  CU_ASSERT_TRUE(ap->roles_need_cred(app_plugin.state, GKDC_OSC_ROLE_REQUESTER));
  CU_ASSERT_TRUE(ap->roles_need_cred(app_plugin.state, GKDC_OSC_ROLE_RESPONDER));
}

static void test_join_scope_entry(void)
{
  uint8_t buf[32];
  struct gkdc_bytes b = {buf, 0};
  struct gkdc_ap_fail fail = {0, -1, NULL};
  uint64_t roles = 0;

  /* The profile's example entry ["gp1", 6]. */
  b.len = unhex("8263677031 06", buf, sizeof(buf));
  CU_ASSERT_TRUE(ap->join_scope_parse(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(roles, 6);
  CU_ASSERT_FALSE(ap->join_scope_parse(app_plugin.state, b, "gp2", &roles, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
  /* An array of entries (the token form) is not a Join Request scope. */
  b.len = unhex("818263677031 06", buf, sizeof(buf));
  CU_ASSERT_FALSE(ap->join_scope_parse(app_plugin.state, b, "gp1", &roles, &fail));
  /* Trailing bytes. */
  b.len = unhex("8263677031 06 00", buf, sizeof(buf));
  CU_ASSERT_FALSE(ap->join_scope_parse(app_plugin.state, b, "gp1", &roles, &fail));
}

static void test_token_scope_roles(void)
{
  uint8_t buf[64];
  struct gkdc_bytes b = {buf, 0};
  struct gkdc_ap_fail fail = {0, -1, NULL};
  uint64_t roles = 0;

  /* bstr([["gp1", 6]]) */
  b.len = unhex("47 818263677031 06", buf, sizeof(buf));
  CU_ASSERT_TRUE(ap->scope_roles(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(roles, 6);
  fail.code = 0xff;
  CU_ASSERT_FALSE(ap->scope_roles(app_plugin.state, b, "gp2", &roles, &fail));
  CU_ASSERT_EQUAL(fail.code, 0);

  /* The extended scope: tag 1668547115 around the byte string. */
  b.len = unhex("da6374022b 47 818263677031 10", buf, sizeof(buf));
  CU_ASSERT_TRUE(ap->scope_roles(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(roles, GKDC_OSC_ROLE_VERIFIER);

  /* An admin entry (odd Tperm) grants no role; a user entry after it does. */
  b.len = unhex("4e 82 8263677031 181f 8263677031 08", buf, sizeof(buf));
  CU_ASSERT_TRUE(ap->scope_roles(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(roles, GKDC_OSC_ROLE_MONITOR);
  b.len = unhex("45 81 82f5 181f", buf, sizeof(buf)); /* wildcard admin entry */
  fail.code = 0xff;
  CU_ASSERT_FALSE(ap->scope_roles(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(fail.code, 0);

  /* The Java fixture's token scope [["feedca570000", 2]]. */
  b.len = unhex("50 81826c666565646361353730303030 02", buf, sizeof(buf));
  CU_ASSERT_TRUE(ap->scope_roles(app_plugin.state, b, "feedca570000", &roles, &fail));
  CU_ASSERT_EQUAL(roles, 2);

  /* Malformed: a text string, an entry of three elements. */
  b.len = unhex("63677031", buf, sizeof(buf));
  CU_ASSERT_FALSE(ap->scope_roles(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
  b.len = unhex("48 81 8363677031 06 06", buf, sizeof(buf));
  fail.code = 0;
  CU_ASSERT_FALSE(ap->scope_roles(app_plugin.state, b, "gp1", &roles, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
}

/* ---- the access table ---- */

struct access_case {
  int resource;
  uint32_t method;
  int type;      /* 1 sender member, 2 monitor member, 3 verifier, 4 other */
  int allowed;
  uint8_t code;  /* when refused */
  int error_id;
};

static void test_access_table(void)
{
  static const struct access_case cases[] = {
      {GKDC_AP_RES_ROOT, GKDC_FETCH, 4, 1, 0, 0},
      {GKDC_AP_RES_GROUP, GKDC_POST, 3, 1, 0, 0},
      {GKDC_AP_RES_GROUP, GKDC_POST, 4, 1, 0, 0},
      {GKDC_AP_RES_GROUP, GKDC_GET, 1, 1, 0, 0},
      {GKDC_AP_RES_GROUP, GKDC_GET, 2, 1, 0, 0},
      {GKDC_AP_RES_GROUP, GKDC_GET, 3, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_PROFILE + 0, GKDC_GET, 2, 1, 0, 0}, /* active */
      {GKDC_AP_RES_PROFILE + 0, GKDC_GET, 3, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_PROFILE + 1, GKDC_GET, 3, 1, 0, 0}, /* verif-data */
      {GKDC_AP_RES_PROFILE + 1, GKDC_GET, 1, 0, GKDC_CODE(4, 3), 8},
      {GKDC_AP_RES_PROFILE + 1, GKDC_GET, 4, 0, GKDC_CODE(4, 3), 8},
      {GKDC_AP_RES_PROFILE + 2, GKDC_FETCH, 1, 1, 0, 0}, /* stale-sids */
      {GKDC_AP_RES_PROFILE + 2, GKDC_FETCH, 2, 1, 0, 0},
      {GKDC_AP_RES_PROFILE + 2, GKDC_FETCH, 3, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_PROFILE + 2, GKDC_GET, 1, 0, GKDC_CODE(4, 5), -1},
      {GKDC_AP_RES_CREDS, GKDC_FETCH, 3, 1, 0, 0},
      {GKDC_AP_RES_CREDS, GKDC_GET, 2, 1, 0, 0},
      {GKDC_AP_RES_CREDS, GKDC_GET, 4, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_KDC_CRED, GKDC_GET, 1, 1, 0, 0},
      {GKDC_AP_RES_KDC_CRED, GKDC_GET, 3, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_KDC_CRED, GKDC_FETCH, 3, 1, 0, 0},
      {GKDC_AP_RES_KDC_CRED, GKDC_FETCH, 1, 0, GKDC_CODE(4, 3), 8},
      {GKDC_AP_RES_POLICIES, GKDC_GET, 2, 1, 0, 0},
      {GKDC_AP_RES_NUM, GKDC_GET, 4, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_NODE, GKDC_GET, 2, 1, 0, 0},
      {GKDC_AP_RES_NODE, GKDC_DELETE, 2, 1, 0, 0},
      {GKDC_AP_RES_NODE, GKDC_POST, 1, 1, 0, 0},
      {GKDC_AP_RES_NODE, GKDC_POST, 2, 0, GKDC_CODE(4, 0), 1},
      {GKDC_AP_RES_NODE, GKDC_GET, 3, 0, GKDC_CODE(4, 3), 0},
      {GKDC_AP_RES_NODE_CRED, GKDC_POST, 1, 1, 0, 0},
      {GKDC_AP_RES_NODE_CRED, GKDC_POST, 2, 0, GKDC_CODE(4, 0), 1},
      {GKDC_AP_RES_NODE_CRED, GKDC_POST, 4, 0, GKDC_CODE(4, 3), 0},
  };
  struct gkdc_store_group g;
  struct gkdc_store_member sender, monitor;
  struct gkdc_ap_member am_sender, am_monitor;
  size_t i;

  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "gp1";
  g.flags = GKDC_STORE_GROUP_ACTIVE | GKDC_STORE_GROUP_MODE | GKDC_STORE_GROUP_PAIRWISE_MODE;
  memset(&sender, 0, sizeof(sender));
  sender.roles = GKDC_OSC_ROLE_REQUESTER | GKDC_OSC_ROLE_RESPONDER;
  memset(&monitor, 0, sizeof(monitor));
  monitor.roles = GKDC_OSC_ROLE_MONITOR;
  am_sender = ap_member(&sender);
  am_monitor = ap_member(&monitor);

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct access_case *c = &cases[i];
    struct gkdc_ap_access a;
    struct gkdc_ap_fail fail = {0, -1, NULL};
    int got;

    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.group = &g;
    a.resource = c->resource;
    a.method = c->method;
    a.has_grant = 1;
    a.granted_roles = c->type == 3 ? GKDC_OSC_ROLE_VERIFIER : GKDC_OSC_ROLE_REQUESTER;
    a.member = NULL;
    if (c->type == 1)
      a.member = &am_sender;
    else if (c->type == 2)
      a.member = &am_monitor;
    a.own_node = a.member != NULL;
    got = ap->access_check(app_plugin.state, &a, &fail);
    if (got != c->allowed)
      fprintf(stderr, "\n  access case %zu: got %d\n", i, got);
    CU_ASSERT_EQUAL(got, c->allowed);
    if (!c->allowed) {
      CU_ASSERT_EQUAL(fail.code, c->code);
      CU_ASSERT_EQUAL(fail.error_id, c->error_id);
    }
  }

  /* Verifier resources of a pairwise-only group: 4.00 with error 7. */
  g.flags = GKDC_STORE_GROUP_ACTIVE | GKDC_STORE_GROUP_PAIRWISE_MODE;
  {
    struct gkdc_ap_access a;
    struct gkdc_ap_fail fail = {0, -1, NULL};

    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.group = &g;
    a.resource = GKDC_AP_RES_PROFILE + 1;
    a.method = GKDC_GET;
    a.has_grant = 1;
    a.granted_roles = GKDC_OSC_ROLE_VERIFIER;
    CU_ASSERT_FALSE(ap->access_check(app_plugin.state, &a, &fail));
    CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
    CU_ASSERT_EQUAL(fail.error_id, GKDC_OSC_ERR_NO_SIGNATURES);
    a.resource = GKDC_AP_RES_KDC_CRED;
    a.method = GKDC_FETCH;
    CU_ASSERT_FALSE(ap->access_check(app_plugin.state, &a, &fail));
    CU_ASSERT_EQUAL(fail.error_id, GKDC_OSC_ERR_NO_SIGNATURES);
  }
}

/* ---- configuration ---- */

static void test_config_defaults(void)
{
  struct gkdc_store_group g;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_ap_group_crypto cx;

  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "gp1";
  CU_ASSERT_FATAL(ap->config_parse(app_plugin.state, NULL, 0, &g, &fail));
  CU_ASSERT_EQUAL(g.flags, GKDC_STORE_GROUP_ACTIVE | GKDC_STORE_GROUP_MODE |
                               GKDC_STORE_GROUP_PAIRWISE_MODE);
  CU_ASSERT_EQUAL(g.hkdf_alg, 5);
  CU_ASSERT_EQUAL(g.cred_fmt, 14);
  CU_ASSERT_EQUAL(g.gp_enc_alg, 10);
  CU_ASSERT_EQUAL(g.sign_alg, -8);
  CU_ASSERT_EQUAL(g.aead_alg, 10);
  CU_ASSERT_EQUAL(g.ecdh_alg, -27);
  CU_ASSERT_EQUAL(g.max_stale_sets, 3);
  CU_ASSERT_TRUE(bytes_are(g.sign_params.ptr, g.sign_params.len, "828101820106"));
  CU_ASSERT_TRUE(bytes_are(g.ecdh_params.ptr, g.ecdh_params.len, "828101820104"));

  CU_ASSERT_FATAL(ap->group_crypto_get(app_plugin.state, &g, &cx));
  CU_ASSERT_EQUAL(cx.modes, GKDC_AP_MODE_GROUP | GKDC_AP_MODE_PAIRWISE);
  CU_ASSERT_EQUAL(cx.sign_kty, 1);
  CU_ASSERT_EQUAL(cx.sign_curve, 6);
  CU_ASSERT_EQUAL(cx.ecdh_curve, 4);
  CU_ASSERT_STRING_EQUAL(cx.pop_method, "sign");
  CU_ASSERT_EQUAL(cx.pop_flags, 0);
}

static void test_config_es256_pairwise_only(void)
{
  struct cfg_builder b;
  struct gkdc_store_group g;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_ap_group_crypto cx;
  size_t len;

  /* ES256 with both modes: P-256 for the key agreement too. */
  cfg_begin(&b);
  cfg_int(&b, GKDC_OSC_CFG_SIGN_ALG, -7);
  cfg_bool(&b, GKDC_OSC_CFG_ECDSA_DER, 1);
  len = cfg_end(&b);
  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "g-es256";
  CU_ASSERT_FATAL(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));
  CU_ASSERT_TRUE(bytes_are(g.sign_params.ptr, g.sign_params.len, "828102820201"));
  CU_ASSERT_TRUE(bytes_are(g.ecdh_params.ptr, g.ecdh_params.len, "828102820201"));
  CU_ASSERT_FATAL(ap->group_crypto_get(app_plugin.state, &g, &cx));
  CU_ASSERT_EQUAL(cx.pop_flags, GKDC_POP_F_ECDSA_DER);

  /* Pairwise-only: no group-mode fields, the DH-MAC PoP. */
  cfg_begin(&b);
  cfg_bool(&b, GKDC_OSC_CFG_GROUP_MODE, 0);
  len = cfg_end(&b);
  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "g-pw";
  CU_ASSERT_FATAL(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));
  CU_ASSERT_EQUAL(g.flags, GKDC_STORE_GROUP_ACTIVE | GKDC_STORE_GROUP_PAIRWISE_MODE);
  CU_ASSERT_EQUAL(g.gp_enc_alg, 0);
  CU_ASSERT_EQUAL(g.sign_alg, 0);
  CU_ASSERT_EQUAL(g.sign_params.len, 0);
  CU_ASSERT_FATAL(ap->group_crypto_get(app_plugin.state, &g, &cx));
  CU_ASSERT_STRING_EQUAL(cx.pop_method, "dh-mac");
}

/* One invalid configuration and the words its error must contain. */
static void config_rejects(int64_t key, int64_t value, uint8_t code, const char *words)
{
  struct cfg_builder b;
  struct gkdc_store_group g;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  size_t len;

  cfg_begin(&b);
  cfg_int(&b, key, value);
  len = cfg_end(&b);
  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "bad-group";
  CU_ASSERT_FALSE(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));
  CU_ASSERT_EQUAL(fail.code, code);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fail.detail);
  CU_ASSERT_PTR_NOT_NULL(strstr(fail.detail, "bad-group"));
  if (words != NULL && strstr(fail.detail, words) == NULL)
    fprintf(stderr, "\n  detail \"%s\" lacks \"%s\"\n", fail.detail, words);
  CU_ASSERT_TRUE(words == NULL || strstr(fail.detail, words) != NULL);
}

static void test_config_rejects_unknown(void)
{
  config_rejects(GKDC_OSC_CFG_GP_ENC_ALG, 99, GKDC_CODE(5, 3), "gp_enc_alg 99");
  config_rejects(GKDC_OSC_CFG_SIGN_ALG, -35, GKDC_CODE(5, 3), "sign_alg -35");
  config_rejects(GKDC_OSC_CFG_ALG, -65534, GKDC_CODE(5, 3), "-65534"); /* not an AEAD */
  config_rejects(GKDC_OSC_CFG_ECDH_ALG, -28, GKDC_CODE(5, 3), "ecdh_alg"); /* needs hkdf 7 */
  config_rejects(GKDC_OSC_CFG_HKDF, -10, GKDC_CODE(5, 3), "hkdf -10");
  config_rejects(GKDC_OSC_CFG_MAX_STALE_SETS, 1, GKDC_CODE(4, 0), "max_stale_sets");
  config_rejects(GKDC_OSC_CFG_MAX_SID_LEN, 8, GKDC_CODE(4, 0), "Sender ID");
  config_rejects(GKDC_OSC_CFG_GID_EPOCH_LEN, 5, GKDC_CODE(4, 0), "epoch");
  config_rejects(GKDC_OSC_CFG_GROUP_MODE, 1, GKDC_CODE(4, 0), NULL); /* not a bool */
}

static void test_config_rejects_inconsistent(void)
{
  struct cfg_builder b;
  struct gkdc_store_group g;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  size_t len;

  /* Neither mode. */
  cfg_begin(&b);
  cfg_bool(&b, GKDC_OSC_CFG_GROUP_MODE, 0);
  cfg_bool(&b, GKDC_OSC_CFG_PAIRWISE_MODE, 0);
  len = cfg_end(&b);
  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "g";
  CU_ASSERT_FALSE(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));

  /* A sign_alg in a group without the group mode. */
  cfg_begin(&b);
  cfg_bool(&b, GKDC_OSC_CFG_GROUP_MODE, 0);
  cfg_int(&b, GKDC_OSC_CFG_SIGN_ALG, -8);
  len = cfg_end(&b);
  CU_ASSERT_FALSE(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));

  /* EdDSA signatures with P-256 key agreement: one key cannot do both. */
  cfg_begin(&b);
  gkdc_cbor_enc_put_int(&b.e, GKDC_OSC_CFG_ECDH_PARAMS);
  gkdc_cbor_enc_put_raw(&b.e, (const uint8_t *)"\x82\x81\x02\x82\x02\x01", 6);
  b.pairs++;
  len = cfg_end(&b);
  CU_ASSERT_FALSE(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));
  CU_ASSERT_EQUAL(fail.error_id, 12);

  /* gid_reuse is not supported, and not a well-formed map at all. */
  cfg_begin(&b);
  cfg_bool(&b, GKDC_OSC_CFG_GID_REUSE, 1);
  len = cfg_end(&b);
  CU_ASSERT_FALSE(ap->config_parse(app_plugin.state, b.buf, len, &g, &fail));
  CU_ASSERT_FALSE(ap->config_parse(app_plugin.state, (const uint8_t *)"\xa1\x20", 2, &g, &fail));
}

/* Sender ID bound = smallest nonce among the group's algorithms - 6,
 * and the configured maximum. */
static void test_sid_length_bound(void)
{
  fresh();
  {
    struct cfg_builder b;
    struct gkdc_ap_fail fail = {0, -1, NULL};
    struct {
      int gm;
      int32_t gea;
      int pw;
      int32_t alg;
      int64_t max;
      size_t want;
    } cases[] = {
        {1, 10, 1, 10, 0, 7}, /* AES-CCM-16-64-128: nonce 13 */
        {1, 10, 0, 0, 0, 7},
        {0, 0, 1, 1, 0, 6},   /* A128GCM: nonce 12 */
        {1, 10, 1, 24, 0, 6}, /* the smaller of 13 and 12 */
        {1, -65534, 0, 0, 0, 6}, /* A128CTR: 12-byte nonce */
        {1, 10, 1, 10, 3, 3}, /* the configured maximum */
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      size_t len;
      struct gkdc_store_group *rec;
      char name[16];
      uint8_t sid[16];
      size_t sid_len;
      size_t k;

      cfg_begin(&b);
      cfg_bool(&b, GKDC_OSC_CFG_GROUP_MODE, cases[i].gm);
      cfg_bool(&b, GKDC_OSC_CFG_PAIRWISE_MODE, cases[i].pw);
      if (cases[i].gm)
        cfg_int(&b, GKDC_OSC_CFG_GP_ENC_ALG, cases[i].gea);
      if (cases[i].pw)
        cfg_int(&b, GKDC_OSC_CFG_ALG, cases[i].alg);
      if (cases[i].max > 0)
        cfg_int(&b, GKDC_OSC_CFG_MAX_SID_LEN, cases[i].max);
      /* Offer one Sender ID of `want` bytes and one longer first: only the
       * first fits the bound. */
      gkdc_cbor_enc_put_int(&b.e, GKDC_OSC_CFG_SENDER_IDS);
      gkdc_cbor_enc_put_array(&b.e, 2);
      gkdc_cbor_enc_put_bstr(&b.e, (const uint8_t *)"\x11\x22\x33\x44\x55\x66\x77",
                             cases[i].want + 1 > 7 ? 7 : cases[i].want + 1);
      gkdc_cbor_enc_put_bstr(&b.e, (const uint8_t *)"\xa1\xa2\xa3\xa4\xa5\xa6\xa7",
                             cases[i].want);
      b.pairs++;
      len = cfg_end(&b);
      snprintf(name, sizeof(name), "len%zu", i);
      rec = group_make(name, b.buf, len);
      CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
      sid_len = sizeof(sid);
      CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 6, sid, &sid_len, &fail));
      if (cases[i].want < 7) {
        CU_ASSERT_EQUAL(sid_len, cases[i].want);
        CU_ASSERT_EQUAL(sid[0], 0xa1);
      } else {
        /* Seven bytes is also the store's maximum: the first one fits. */
        CU_ASSERT_EQUAL(sid_len, 7);
      }
      for (k = 0; k < sid_len; k++)
        if (sid_len < 7)
          CU_ASSERT_EQUAL(sid[k], 0xa1 + k);
      store->record_free(store_plugin.state, rec);
    }
  }
}

/* ---- Sender IDs with the store ---- */

static void test_sid_exhaustion(void)
{
  struct cfg_builder b;
  struct gkdc_store_group *rec;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  uint8_t sid[8];
  size_t sid_len;
  size_t len;
  int i;
  int seen[256];

  fresh();
  cfg_begin(&b);
  cfg_int(&b, GKDC_OSC_CFG_MAX_SID_LEN, 1);
  len = cfg_end(&b);
  rec = group_make("one-byte", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);

  memset(seen, 0, sizeof(seen));
  CU_ASSERT_FATAL(store->begin(store_plugin.state));
  for (i = 0; i < 256; i++) {
    sid_len = sizeof(sid);
    if (!ap->member_join(app_plugin.state, rec, NULL, 2, sid, &sid_len, &fail))
      break;
    CU_ASSERT_EQUAL(sid_len, 1);
    CU_ASSERT_FALSE(seen[sid[0]]);
    seen[sid[0]] = 1;
  }
  CU_ASSERT_EQUAL(i, 256);
  sid_len = sizeof(sid);
  CU_ASSERT_FALSE(ap->member_join(app_plugin.state, rec, NULL, 4, sid, &sid_len, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(5, 3));
  CU_ASSERT_EQUAL(fail.error_id, GKDC_GC_ERR_NO_INDIVIDUAL_KEYS);

  /* A Monitor still joins: it needs no Sender ID. */
  sid_len = sizeof(sid);
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 8, sid, &sid_len, &fail));
  CU_ASSERT_EQUAL(sid_len, 0);
  CU_ASSERT_TRUE(store->commit(store_plugin.state));
  store->record_free(store_plugin.state, rec);
}

static void test_sid_rejoin_and_rekey(void)
{
  struct cfg_builder b;
  struct gkdc_store_group *rec, *after;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_store_member *ma = NULL, *mb = NULL;
  struct gkdc_ap_member am;
  uint8_t a[8], a2[8], bb[8], c[8];
  size_t a_len = sizeof(a), a2_len = sizeof(a2), b_len = sizeof(bb), c_len = sizeof(c);
  uint8_t old_gid[16];
  size_t old_gid_len;
  uint64_t version = 0;
  int used = 0;
  size_t len;

  fresh();
  cfg_begin(&b);
  cfg_hex(&b, GKDC_OSC_CFG_GID_PREFIX, "b1");
  cfg_int(&b, GKDC_OSC_CFG_GID_EPOCH_START, 0xf05b);
  len = cfg_end(&b);
  rec = group_make("gp1", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
  CU_ASSERT_TRUE(bytes_are(rec->gid.ptr, rec->gid.len, "b1f05b"));
  CU_ASSERT_EQUAL(rec->master_secret.len, 16);
  CU_ASSERT_EQUAL(rec->master_salt.len, 8);

  /* Two members; A re-joins and gets a new Sender ID, the old one is stale. */
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 6, a, &a_len, &fail));
  CU_ASSERT_TRUE(member_store("gp1", "a", 6, a, a_len));
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 2, bb, &b_len, &fail));
  CU_ASSERT_TRUE(member_store("gp1", "b", 2, bb, b_len));
  CU_ASSERT_FATAL(store->member_get(store_plugin.state, "gp1", "a", &ma));
  am = ap_member(ma);
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, &am, 6, a2, &a2_len, &fail));
  CU_ASSERT_FALSE(a2_len == a_len && memcmp(a2, a, a_len) == 0);
  CU_ASSERT_FALSE(a2_len == b_len && memcmp(a2, bb, b_len) == 0);
  CU_ASSERT_TRUE(member_store("gp1", "a", 6, a2, a2_len));
  CU_ASSERT_TRUE(store->sid_is_used(store_plugin.state, "gp1", a, a_len, &used));
  CU_ASSERT_TRUE(used);

  /* B leaves: its Sender ID is stale and not given to the next joiner. */
  CU_ASSERT_FATAL(store->member_get(store_plugin.state, "gp1", "b", &mb));
  am = ap_member(mb);
  CU_ASSERT_TRUE(ap->member_leave(app_plugin.state, rec, &am));
  CU_ASSERT_TRUE(store->member_delete(store_plugin.state, "gp1", "b"));
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 2, c, &c_len, &fail));
  CU_ASSERT_FALSE(c_len == b_len && memcmp(c, bb, b_len) == 0);
  CU_ASSERT_FALSE(c_len == a_len && memcmp(c, a, a_len) == 0);
  CU_ASSERT_FALSE(c_len == a2_len && memcmp(c, a2, a2_len) == 0);
  CU_ASSERT_TRUE(member_store("gp1", "c", 2, c, c_len));

  /* Rekey: a new Gid with the same prefix and the next epoch, a new
   * Master Secret; members keep their Sender IDs. */
  memcpy(old_gid, rec->gid.ptr, rec->gid.len);
  old_gid_len = rec->gid.len;
  CU_ASSERT_TRUE(ap->group_rekey(app_plugin.state, "gp1", 0, &version));
  CU_ASSERT_EQUAL(version, 1);
  CU_ASSERT_FATAL(store->group_get(store_plugin.state, "gp1", &after));
  CU_ASSERT_TRUE(bytes_are(after->gid.ptr, after->gid.len, "b1f05c"));
  CU_ASSERT_FALSE(after->master_secret.len == rec->master_secret.len &&
                  memcmp(after->master_secret.ptr, rec->master_secret.ptr,
                         rec->master_secret.len) == 0);
  CU_ASSERT_TRUE(store->gid_is_used(store_plugin.state, old_gid, old_gid_len, &used));
  CU_ASSERT_TRUE(used);
  {
    uint8_t d[8];
    size_t d_len = sizeof(d);

    /* A newcomer never gets a current member's Sender ID. */
    CU_ASSERT_TRUE(ap->member_join(app_plugin.state, after, NULL, 4, d, &d_len, &fail));
    CU_ASSERT_FALSE(d_len == a2_len && memcmp(d, a2, a2_len) == 0);
    CU_ASSERT_FALSE(d_len == c_len && memcmp(d, c, c_len) == 0);
  }

  /* Renewal gives member A yet another Sender ID. */
  {
    struct gkdc_store_member *ma2 = NULL;
    uint8_t r[8];
    size_t r_len = sizeof(r);

    CU_ASSERT_FATAL(store->member_get(store_plugin.state, "gp1", "a", &ma2));
    am = ap_member(ma2);
    CU_ASSERT_TRUE(ap->member_renew(app_plugin.state, after, &am, r, &r_len, &fail));
    CU_ASSERT_FALSE(r_len == a2_len && memcmp(r, a2, a2_len) == 0);
    store->record_free(store_plugin.state, ma2);
  }

  store->record_free(store_plugin.state, after);
  store->record_free(store_plugin.state, ma);
  store->record_free(store_plugin.state, mb);
  store->record_free(store_plugin.state, rec);
}

static void test_monitor_and_inactive(void)
{
  struct cfg_builder b;
  struct gkdc_store_group *rec;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_store_member mon;
  struct gkdc_ap_member am;
  uint8_t sid[8];
  size_t sid_len = sizeof(sid);
  size_t len;

  fresh();
  rec = group_make("gp1", NULL, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, GKDC_OSC_ROLE_MONITOR, sid,
                                 &sid_len, &fail));
  CU_ASSERT_EQUAL(sid_len, 0);

  /* A Monitor cannot renew a Sender ID (4.00, error 1). */
  memset(&mon, 0, sizeof(mon));
  mon.roles = GKDC_OSC_ROLE_MONITOR;
  am = ap_member(&mon);
  sid_len = sizeof(sid);
  CU_ASSERT_FALSE(ap->member_renew(app_plugin.state, rec, &am, sid, &sid_len, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
  CU_ASSERT_EQUAL(fail.error_id, GKDC_GC_ERR_ROLES_INCONSISTENT);
  /* Roles a node may not join with. */
  sid_len = sizeof(sid);
  CU_ASSERT_FALSE(ap->member_join(app_plugin.state, rec, NULL, 10, sid, &sid_len, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
  store->record_free(store_plugin.state, rec);

  /* An inactive group: 5.03 with error 9. */
  cfg_begin(&b);
  cfg_bool(&b, GKDC_OSC_CFG_ACTIVE, 0);
  len = cfg_end(&b);
  rec = group_make("sleepy", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
  sid_len = sizeof(sid);
  CU_ASSERT_FALSE(ap->member_join(app_plugin.state, rec, NULL, 2, sid, &sid_len, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(5, 3));
  CU_ASSERT_EQUAL(fail.error_id, GKDC_OSC_ERR_GROUP_INACTIVE);
  store->record_free(store_plugin.state, rec);
}

/* ---- the key object ---- */

/* A record built by hand, as the store returns it. */
static void hand_group(struct gkdc_store_group *g, uint32_t modes, uint8_t *ms, uint8_t *salt,
                       uint8_t *gid, const char *gid_hex)
{
  memset(g, 0, sizeof(*g));
  g->size = sizeof(*g);
  g->name = "g1";
  g->flags = GKDC_STORE_GROUP_ACTIVE;
  g->master_secret.ptr = ms;
  g->master_secret.len = unhex("0102030405060708090a0b0c0d0e0f10", ms, 16);
  g->master_salt.ptr = salt;
  g->master_salt.len = unhex("9e7ca92223786340", salt, 8);
  g->gid.ptr = gid;
  g->gid.len = unhex(gid_hex, gid, 8);
  g->hkdf_alg = 5;
  g->cred_fmt = 14;
  if (modes & GKDC_AP_MODE_GROUP) {
    g->flags |= GKDC_STORE_GROUP_MODE;
    g->gp_enc_alg = 10;
    g->sign_alg = -8;
    g->sign_params.ptr = (const uint8_t *)"\x82\x81\x01\x82\x01\x06";
    g->sign_params.len = 6;
  }
  if (modes & GKDC_AP_MODE_PAIRWISE) {
    g->flags |= GKDC_STORE_GROUP_PAIRWISE_MODE;
    g->aead_alg = 10;
    g->ecdh_alg = -27;
    g->ecdh_params.ptr = (const uint8_t *)"\x82\x81\x01\x82\x01\x04";
    g->ecdh_params.len = 6;
  }
}

/* Checks the `key` object that key_write() gives for `context`. */
static void key_is(const struct gkdc_store_group *g, int context,
                   const struct gkdc_ap_member *member, const char *hex)
{
  uint8_t out[256];
  size_t len = sizeof(out);

  CU_ASSERT_FATAL(ap->key_write(app_plugin.state, g, context, member, out, &len));
  CU_ASSERT_TRUE(bytes_are(out, len, hex));
}

/* A member record with Sender ID `sid` (1 byte), wrapped for the appprofile. */
static struct gkdc_ap_member member_with_sid(struct gkdc_store_member *m, const char *sid)
{
  memset(m, 0, sizeof(*m));
  m->has_sender_id = 1;
  m->sender_id.ptr = (const uint8_t *)sid;
  m->sender_id.len = 1;
  return ap_member(m);
}

static void test_key_group_only(void)
{
  struct gkdc_store_group g;
  uint8_t ms[16], salt[8], gid[8];
  struct gkdc_store_member m;
  struct gkdc_ap_member am;
  uint8_t out[256];
  size_t len;

  hand_group(&g, GKDC_AP_MODE_GROUP, ms, salt, gid, "37fc");
  am = member_with_sid(&m, "\x52");

  /* {2: ms, 3: 5, 5: salt, 6: h'37fc', 7: h'52', 8: 14, 9: 10, 10: -8,
   *  11: [[1], [1, 6]]}; no alg, ecdh_alg or ecdh_params. */
  key_is(&g, GKDC_AP_CTX_JOIN, &am,
                           "a9"
                           "0250 0102030405060708090a0b0c0d0e0f10"
                           "0305"
                           "0548 9e7ca92223786340"
                           "0642 37fc"
                           "0741 52"
                           "080e"
                           "090a"
                           "0a27"
                           "0b 828101820106");

  /* GET /ace-group/GROUPNAME: the same without group_SenderId. */
  key_is(&g, GKDC_AP_CTX_GROUP_GET, &am,
                           "a8 0250 0102030405060708090a0b0c0d0e0f10 0305 0548 9e7ca92223786340"
                           "0642 37fc 080e 090a 0a27 0b828101820106");

  /* A rekeying message: ms, salt and contextId only. */
  key_is(&g, GKDC_AP_CTX_REKEY, &am,
                           "a3 0250 0102030405060708090a0b0c0d0e0f10 0548 9e7ca92223786340"
                           "0642 37fc");

  /* The verification data: no ms, salt or Sender ID (the profile's example
   * key with cred_fmt 14). */
  key_is(&g, GKDC_AP_CTX_VERIF, NULL, "a6 0305 0642 37fc 080e 090a 0a27 0b828101820106");

  /* A member without a Sender ID (a Monitor) gets none; an empty salt is
   * left out. */
  m.has_sender_id = 0;
  g.master_salt.len = 0;
  key_is(&g, GKDC_AP_CTX_JOIN, &am,
                           "a7 0250 0102030405060708090a0b0c0d0e0f10 0305 0642 37fc 080e 090a"
                           "0a27 0b828101820106");

  /* Too small a buffer fails. */
  len = 10;
  CU_ASSERT_FALSE(ap->key_write(app_plugin.state, &g, GKDC_AP_CTX_JOIN, &am, out, &len));
}

static void test_key_group_and_pairwise(void)
{
  struct gkdc_store_group g;
  uint8_t ms[16], salt[8], gid[8];
  struct gkdc_store_member m;
  struct gkdc_ap_member am;
  uint8_t out[256];
  size_t len;

  hand_group(&g, GKDC_AP_MODE_GROUP | GKDC_AP_MODE_PAIRWISE, ms, salt, gid, "feedca57f05c");
  am = member_with_sid(&m, "\x25");

  key_is(&g, GKDC_AP_CTX_JOIN, &am,
                           "ac"
                           "0250 0102030405060708090a0b0c0d0e0f10"
                           "0305"
                           "040a"
                           "0548 9e7ca92223786340"
                           "0646 feedca57f05c"
                           "0741 25"
                           "080e"
                           "090a"
                           "0a27"
                           "0b 828101820106"
                           "0c 381a"
                           "0d 828101820104");

  /* Verification data of a group with both modes: alg and ecdh_alg too. */
  key_is(&g, GKDC_AP_CTX_VERIF, NULL,
                           "a8 0305 040a 0646 feedca57f05c 080e 090a 0a27 0b828101820106"
                           "0c381a");

  /* Pairwise-only: no group-mode fields; no verification data. */
  hand_group(&g, GKDC_AP_MODE_PAIRWISE, ms, salt, gid, "feedca57f05c");
  key_is(&g, GKDC_AP_CTX_NODE_GET, &am,
                           "a9 0250 0102030405060708090a0b0c0d0e0f10 0305 040a"
                           "0548 9e7ca92223786340 0646 feedca57f05c 0741 25 080e 0c381a"
                           "0d828101820104");
  len = sizeof(out);
  CU_ASSERT_FALSE(ap->key_write(app_plugin.state, &g, GKDC_AP_CTX_VERIF, NULL, out, &len));
}

/* Compares two CBOR maps entry by entry, whatever their key order. */
static int maps_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
  struct gkdc_cbor_dec da, db, v;
  size_t na = 0, nb = 0, i;

  if (gkdc_cbor_dec_init(&da, a, a_len, NULL) != GKDC_CBOR_OK ||
      gkdc_cbor_dec_init(&db, b, b_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&da, &na) || !gkdc_cbor_dec_enter_map(&db, &nb) || na != nb)
    return 0;
  for (i = 0; i < na; i++) {
    int64_t key;
    struct gkdc_bytes va, vb;

    if (!gkdc_cbor_dec_get_int(&da, &key) || !gkdc_cbor_dec_get_raw(&da, &va) ||
        !gkdc_cbor_dec_map_find_int(&db, key, &v) || !gkdc_cbor_dec_get_raw(&v, &vb) ||
        va.len != vb.len || memcmp(va.ptr, vb.ptr, va.len) != 0) {
      fprintf(stderr, "\n  map key %lld differs\n", (long long)key);
      return 0;
    }
  }
  return 1;
}

/* The Java test group, created through the store, gives the joiner the
 * key object the Java plugtest client expects. */
static void test_java_group_key(void)
{
  /* The 'key' the Java GM sends to Sender ID 0x25 (Java's key order). */
  static const char java_key[] =
      "ac074125030505489e7ca9222378634002500102030405060708090a0b0c0d0e0f100646feedca57f05c"
      "080e090a0a270b828101820106040a0c381a0d828101820104";
  struct cfg_builder b;
  struct gkdc_store_group *rec;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_store_member m;
  struct gkdc_ap_member am;
  uint8_t sid[8];
  size_t sid_len = sizeof(sid);
  uint8_t out[256], want[256];
  size_t len, want_len;

  fresh();
  len = java_group_cfg(&b);
  rec = group_make("feedca570000", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
  CU_ASSERT_TRUE(bytes_are(rec->gid.ptr, rec->gid.len, "feedca57f05c"));
  CU_ASSERT_EQUAL(rec->key_version, 0);

  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 2, sid, &sid_len, &fail));
  CU_ASSERT_TRUE(bytes_are(sid, sid_len, "25"));
  memset(&m, 0, sizeof(m));
  m.has_sender_id = 1;
  m.sender_id.ptr = sid;
  m.sender_id.len = sid_len;
  am = ap_member(&m);

  len = sizeof(out);
  CU_ASSERT_FATAL(ap->key_write(app_plugin.state, rec, GKDC_AP_CTX_JOIN, &am, out, &len));
  want_len = unhex(java_key, want, sizeof(want));
  CU_ASSERT_TRUE(maps_equal(out, len, want, want_len));
  /* The same entries in deterministic (sorted) order. */
  CU_ASSERT_TRUE(bytes_are(out, len,
                           "ac0250 0102030405060708090a0b0c0d0e0f10 0305 040a 0548 9e7ca92223786340"
                           "0646 feedca57f05c 0741 25 080e 090a 0a27 0b828101820106 0c381a"
                           "0d828101820104"));

  /* A second joiner does not get 0x25 again. */
  sid_len = sizeof(sid);
  CU_ASSERT_TRUE(ap->member_join(app_plugin.state, rec, NULL, 6, sid, &sid_len, &fail));
  CU_ASSERT_FALSE(sid_len == 1 && sid[0] == 0x25);

  /* Signature Encryption Key: HKDF with info [h'', Gid, 10, "SEKey", 16]. */
  extra_is(rec, GKDC_AP_CTX_VERIF, "1821 50 887b38ceb321bf990566573222387dc2");
  store->record_free(store_plugin.state, rec);
}

/* ---- sign_info, ecdh_info and the Token Transfer ---- */

static void test_info_entries(void)
{
  struct gkdc_store_group g;
  uint8_t ms[16], salt[8], gid[8];
  uint8_t out[64];
  size_t len;

  hand_group(&g, GKDC_AP_MODE_GROUP | GKDC_AP_MODE_PAIRWISE, ms, salt, gid, "37fc");
  /* ["g1", -8, [1], [1, 6], 14] and ["g1", -27, [1], [1, 4], 14] */
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->info_entry_write(app_plugin.state, &g, 0, out, &len));
  CU_ASSERT_TRUE(bytes_are(out, len, "85 626731 27 8101 820106 0e"));
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->info_entry_write(app_plugin.state, &g, 1, out, &len));
  CU_ASSERT_TRUE(bytes_are(out, len, "85 626731 381a 8101 820104 0e"));

  hand_group(&g, GKDC_AP_MODE_GROUP, ms, salt, gid, "37fc");
  len = sizeof(out);
  CU_ASSERT_FALSE(ap->info_entry_write(app_plugin.state, &g, 1, out, &len));
}

static void test_token_transfer_ecdh_info(void)
{
  struct gkdc_store_group g1, g2, g3;
  uint8_t ms[16], salt[8], gid[8];
  const struct gkdc_store_group *groups[3];
  uint8_t req[32], out[256];
  size_t req_len, len, count;
  struct cfg_builder java;
  size_t java_len;

  hand_group(&g1, GKDC_AP_MODE_GROUP | GKDC_AP_MODE_PAIRWISE, ms, salt, gid, "37fc");
  hand_group(&g2, GKDC_AP_MODE_GROUP, ms, salt, gid, "37fd"); /* signature-only */
  g2.name = "g2";
  hand_group(&g3, GKDC_AP_MODE_PAIRWISE, ms, salt, gid, "37fe");
  g3.name = "g3";
  groups[0] = &g1;
  groups[1] = &g2;
  groups[2] = &g3;

  /* {45: null, 47: null}: one ecdh_info under 47 with g1 and g3. */
  req_len = unhex("a2 182d f6 182f f6", req, sizeof(req));
  len = sizeof(out);
  count = 9;
  CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups, 3, out, &len,
                                          &count));
  CU_ASSERT_EQUAL(count, 1);
  CU_ASSERT_TRUE(bytes_are(out, len,
                           "182f 82 85626731381a81018201040e 85626733381a81018201040e"));

  /* Only 45 asked: nothing from the profile. */
  req_len = unhex("a1 182d f6", req, sizeof(req));
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups, 3, out, &len,
                                          &count));
  CU_ASSERT_EQUAL(count, 0);
  CU_ASSERT_EQUAL(len, 0);

  /* Java's 92 is ignored under the default ("rfc") ... */
  req_len = unhex("a1 185c f6", req, sizeof(req));
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups, 3, out, &len,
                                          &count));
  CU_ASSERT_EQUAL(count, 0);

  /* ... and answered for a group configured for Java peers: the Java
   * fixture's response entry for "feedca570000". */
  cfg_begin(&java);
  cfg_int(&java, GKDC_OSC_CFG_OAUTH_LABELS, GKDC_OSC_OAUTH_JAVA);
  java_len = cfg_end(&java);
  g1.name = "feedca570000";
  g1.config.ptr = java.buf;
  g1.config.len = java_len;
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups, 1, out, &len,
                                          &count));
  CU_ASSERT_EQUAL(count, 1);
  CU_ASSERT_TRUE(bytes_are(out, len, "185c81856c666565646361353730303030381a81018201040e"));
  /* That group does not answer under 47. */
  req_len = unhex("a1 182f f6", req, sizeof(req));
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups, 1, out, &len,
                                          &count));
  CU_ASSERT_EQUAL(count, 0);

  /* kdc_dh_creds (48) for the pairwise-only group with a configured
   * Diffie-Hellman credential: [name, cred_fmt, cred]; both parameters
   * requested come in ascending key order. */
  {
    struct cfg_builder dh;
    size_t dh_len;

    cfg_begin(&dh);
    cfg_bool(&dh, GKDC_OSC_CFG_GROUP_MODE, 0);
    cfg_hex(&dh, GKDC_OSC_CFG_KDC_DH_CRED, "a2026008a101a20101200421");
    dh_len = cfg_end(&dh);
    g3.config.ptr = dh.buf;
    g3.config.len = dh_len;
    req_len = unhex("a2 182f f6 1830 f6", req, sizeof(req));
    len = sizeof(out);
    CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups + 2, 1, out,
                                            &len, &count));
    CU_ASSERT_EQUAL(count, 2);
    CU_ASSERT_TRUE(bytes_are(out, len,
                             "182f 81 85626733381a81018201040e"
                             "1830 81 83 626733 0e 4c a2026008a101a20101200421"));
    /* A group with the group mode never sends it. */
    req_len = unhex("a1 1830 f6", req, sizeof(req));
    len = sizeof(out);
    g1.config = g3.config;
    g1.name = "g1";
    CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups, 1, out,
                                            &len, &count));
    CU_ASSERT_EQUAL(count, 0);
  }

  /* 47 with a value other than null asks for nothing. */
  req_len = unhex("a1 182f 80", req, sizeof(req));
  len = sizeof(out);
  CU_ASSERT_TRUE(ap->token_transfer_write(app_plugin.state, req, req_len, groups + 2, 1, out,
                                          &len, &count));
  CU_ASSERT_EQUAL(count, 0);
}

/* ---- the profile's resources ---- */

static struct gkdc_request make_req(uint32_t method, int32_t cf, const uint8_t *payload,
                                    size_t len)
{
  struct gkdc_request r;

  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.method = method;
  r.content_format = cf;
  r.accept = GKDC_CF_NONE;
  r.payload = payload;
  r.payload_len = len;
  r.observe = GKDC_OBSERVE_NONE;
  return r;
}

/* Sends FETCH /stale-sids with `hex` and checks code and payload. */
static void stale_case(const struct gkdc_store_group *g, const char *hex, uint8_t code,
                       const char *want_hex)
{
  uint8_t payload[16];
  size_t n = unhex(hex, payload, sizeof(payload));
  struct gkdc_request r = make_req(GKDC_FETCH, GKDC_CF_CBOR, payload, n);
  struct gkdc_response resp;

  gkdc_response_init(&resp);
  ap->resource_handle(app_plugin.state, g, GKDC_AP_RES_PROFILE + 2, NULL, &r, &resp);
  if (resp.code != code)
    fprintf(stderr, "\n  stale-sids %s: code %d.%02d\n", hex, resp.code >> 5, resp.code & 31);
  CU_ASSERT_EQUAL(resp.code, code);
  if (want_hex == NULL) {
    CU_ASSERT_EQUAL(resp.payload_len, 0);
  } else {
    CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_CBOR);
    CU_ASSERT_TRUE(bytes_are(resp.payload, resp.payload_len, want_hex));
  }
  gkdc_response_clear(&resp);
}

static void test_stale_sids(void)
{
  struct cfg_builder b;
  struct gkdc_store_group *rec;
  uint64_t version = 0;
  size_t len;

  fresh();
  cfg_begin(&b);
  cfg_int(&b, GKDC_OSC_CFG_MAX_STALE_SETS, 3);
  len = cfg_end(&b);
  rec = group_make("gp1", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
  store->record_free(store_plugin.state, rec);

  /* Version 0: a1 stale; 1: b1; 2: c1 and b1 again; 3 (current): empty. */
  CU_ASSERT_TRUE(store->stale_add(store_plugin.state, "gp1", (const uint8_t *)"\xa1", 1));
  CU_ASSERT_TRUE(ap->group_rekey(app_plugin.state, "gp1", 0, &version));
  CU_ASSERT_TRUE(store->stale_add(store_plugin.state, "gp1", (const uint8_t *)"\xb1", 1));
  CU_ASSERT_TRUE(ap->group_rekey(app_plugin.state, "gp1", 0, &version));
  CU_ASSERT_TRUE(store->stale_add(store_plugin.state, "gp1", (const uint8_t *)"\xc1", 1));
  CU_ASSERT_TRUE(store->stale_add(store_plugin.state, "gp1", (const uint8_t *)"\xb1", 1));
  CU_ASSERT_TRUE(ap->group_rekey(app_plugin.state, "gp1", 0, &version));
  CU_ASSERT_EQUAL(version, 3);
  CU_ASSERT_FATAL(store->group_get(store_plugin.state, "gp1", &rec));

  stale_case(rec, "02", GKDC_CODE(2, 5), "82 41b1 41c1");
  stale_case(rec, "01", GKDC_CODE(2, 5), "82 41b1 41c1");
  /* SKEW = 4 sets, only 3 kept: 2.05 without payload. */
  stale_case(rec, "00", GKDC_CODE(2, 5), NULL);
  /* Not older than the current version, or not an unsigned integer. */
  stale_case(rec, "03", GKDC_CODE(4, 0), NULL);
  stale_case(rec, "1864", GKDC_CODE(4, 0), NULL);
  stale_case(rec, "20", GKDC_CODE(4, 0), NULL);
  stale_case(rec, "4101", GKDC_CODE(4, 0), NULL);
  stale_case(rec, "", GKDC_CODE(4, 0), NULL);
  stale_case(rec, "0101", GKDC_CODE(4, 0), NULL);

  /* The rekeying message carries the stale set of the replaced version. */
  extra_is(rec, GKDC_AP_CTX_REKEY, "1822 82 41b1 41c1");
  store->record_free(store_plugin.state, rec);
}

static void test_active_and_verif_data(void)
{
  struct cfg_builder b;
  struct gkdc_store_group *rec;
  struct gkdc_request r = make_req(GKDC_GET, GKDC_CF_NONE, NULL, 0);
  struct gkdc_response resp;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes key;
  int64_t x;
  size_t len;

  fresh();
  len = java_group_cfg(&b);
  rec = group_make("feedca570000", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);

  gkdc_response_init(&resp);
  ap->resource_handle(app_plugin.state, rec, GKDC_AP_RES_PROFILE + 0, NULL, &r, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_CBOR);
  CU_ASSERT_TRUE(bytes_are(resp.payload, resp.payload_len, "f5"));
  gkdc_response_clear(&resp);

  gkdc_response_init(&resp);
  ap->resource_handle(app_plugin.state, rec, GKDC_AP_RES_PROFILE + 1, NULL, &r, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
  CU_ASSERT_FATAL(gkdc_cbor_dec_init(&d, resp.payload, resp.payload_len, NULL) == GKDC_CBOR_OK);
  CU_ASSERT_FATAL(gkdc_cbor_dec_enter_map(&d, NULL));
  CU_ASSERT_TRUE(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_GKTY, &v) &&
                 gkdc_cbor_dec_get_int(&v, &x) && x == 1);
  CU_ASSERT_TRUE(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_NUM, &v) &&
                 gkdc_cbor_dec_get_int(&v, &x) && x == 0);
  CU_ASSERT_TRUE(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_ACE_GROUPCOMM_PROFILE, &v) &&
                 gkdc_cbor_dec_get_int(&v, &x) && x == 1);
  CU_ASSERT_TRUE(gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_SIGN_ENC_KEY, &v) &&
                 gkdc_cbor_dec_get_bstr(&v, &key) &&
                 bytes_are(key.ptr, key.len, "887b38ceb321bf990566573222387dc2"));
  CU_ASSERT_TRUE(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KEY, &v) &&
                 gkdc_cbor_dec_get_raw(&v, &key) &&
                 bytes_are(key.ptr, key.len,
                           "a8 0305 040a 0646 feedca57f05c 080e 090a 0a27 0b828101820106"
                           "0c381a"));
  gkdc_response_clear(&resp);
  store->record_free(store_plugin.state, rec);

  /* An inactive group answers false. */
  cfg_begin(&b);
  cfg_bool(&b, GKDC_OSC_CFG_ACTIVE, 0);
  len = cfg_end(&b);
  rec = group_make("sleepy", b.buf, len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
  gkdc_response_init(&resp);
  ap->resource_handle(app_plugin.state, rec, GKDC_AP_RES_PROFILE + 0, NULL, &r, &resp);
  CU_ASSERT_TRUE(bytes_are(resp.payload, resp.payload_len, "f4"));
  gkdc_response_clear(&resp);
  store->record_free(store_plugin.state, rec);
}

/* ---- credentials and the configuration file ---- */

static void test_cred_check(void)
{
  struct gkdc_store_group g;
  uint8_t ms[16], salt[8], gid[8];
  struct gkdc_cred_info ci;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  uint8_t pub[32];

  hand_group(&g, GKDC_AP_MODE_GROUP | GKDC_AP_MODE_PAIRWISE, ms, salt, gid, "37fc");
  memset(&ci, 0, sizeof(ci));
  ci.cred_fmt = 14;
  ci.kty = 1;
  ci.curve = 6;
  ci.alg = -8;
  ci.pub.ptr = pub;
  ci.pub.len = unhex("069e912b83963acc5941b63546867dec106e5b9051f2ee14f3bc5cc961acd43a", pub, 32);
  CU_ASSERT_TRUE(ap->cred_check(app_plugin.state, &g, &ci, &fail));

  /* y = 1 (with and without the sign bit) and y = -1 have no X25519 form. */
  memset(pub, 0, 32);
  pub[0] = 1;
  CU_ASSERT_FALSE(ap->cred_check(app_plugin.state, &g, &ci, &fail));
  CU_ASSERT_EQUAL(fail.error_id, GKDC_GC_ERR_CRED_INCOMPATIBLE);
  pub[31] = 0x80;
  CU_ASSERT_FALSE(ap->cred_check(app_plugin.state, &g, &ci, &fail));
  memset(pub, 0xff, 32);
  pub[0] = 0xec;
  pub[31] = 0x7f;
  CU_ASSERT_FALSE(ap->cred_check(app_plugin.state, &g, &ci, &fail));
  /* In a signature-only group such a key is fine. */
  hand_group(&g, GKDC_AP_MODE_GROUP, ms, salt, gid, "37fc");
  CU_ASSERT_TRUE(ap->cred_check(app_plugin.state, &g, &ci, &fail));

  /* A P-256 key in an Ed25519 group, and another credential format. */
  ci.kty = 2;
  ci.curve = 1;
  CU_ASSERT_FALSE(ap->cred_check(app_plugin.state, &g, &ci, &fail));
  CU_ASSERT_EQUAL(fail.code, GKDC_CODE(4, 0));
  ci.kty = 1;
  ci.curve = 6;
  ci.cred_fmt = 33;
  CU_ASSERT_FALSE(ap->cred_check(app_plugin.state, &g, &ci, &fail));
}

static void test_config_encode(void)
{
  struct gkdc_store_group g;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  const gkdc_cfg *node;
  uint8_t out[256];
  size_t len = sizeof(out);

  CU_ASSERT_FATAL(gkdc_config_load_string(
      "plugin_config = { kdc-groupcomm = { groups = { feedca570000 = { gid_prefix = \"feedca57\"; gid_epoch_start = 61532;"
      " sign_alg = -7; ecdh_curve = 1; max_sender_id_len = 2; oauth_labels = \"java\";"
      " ecdsa_der = true; initial = { master_secret = \"0102030405060708090a0b0c0d0e0f10\";"
      " sender_ids = [\"25\"]; }; kdc_dh_cred = \"a2026008a101a20101200421\"; lifetime = 3600;"
      " }; }; }; };"));
  node = gkdc_cfg_get0(gkdc_config_root(), "plugin_config.kdc-groupcomm.groups.feedca570000");
  CU_ASSERT_PTR_NOT_NULL_FATAL(node);
  CU_ASSERT_FATAL(ap->config_encode(app_plugin.state, node, out, &len, &fail));

  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.name = "feedca570000";
  CU_ASSERT_FATAL(ap->config_parse(app_plugin.state, out, len, &g, &fail));
  CU_ASSERT_EQUAL(g.sign_alg, -7);
  CU_ASSERT_TRUE(bytes_are(g.ecdh_params.ptr, g.ecdh_params.len, "828102820201"));

  /* A wrong type names the setting. */
  CU_ASSERT_FATAL(gkdc_config_load_string(
      "plugin_config = { kdc-groupcomm = { g = { sign_alg = \"EdDSA\"; }; }; };"));
  node = gkdc_cfg_get0(gkdc_config_root(), "plugin_config.kdc-groupcomm.g");
  len = sizeof(out);
  CU_ASSERT_FALSE(ap->config_encode(app_plugin.state, node, out, &len, &fail));
  CU_ASSERT_PTR_NOT_NULL(strstr(fail.detail, "sign_alg"));
  gkdc_config_free();
}

int main(void)
{
  CU_pSuite suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("appprofile-group-oscore", suite_init, suite_clean);
  CU_add_test(suite, "descriptor and numbers", test_descriptor);
  CU_add_test(suite, "join role table", test_join_role_table);
  CU_add_test(suite, "join scope entry", test_join_scope_entry);
  CU_add_test(suite, "token scope roles", test_token_scope_roles);
  CU_add_test(suite, "access table", test_access_table);
  CU_add_test(suite, "config defaults", test_config_defaults);
  CU_add_test(suite, "config ES256 and pairwise-only", test_config_es256_pairwise_only);
  CU_add_test(suite, "config rejects unknown values", test_config_rejects_unknown);
  CU_add_test(suite, "config rejects inconsistency", test_config_rejects_inconsistent);
  CU_add_test(suite, "Sender ID length bound", test_sid_length_bound);
  CU_add_test(suite, "Sender ID exhaustion", test_sid_exhaustion);
  CU_add_test(suite, "Sender IDs on re-join and rekey", test_sid_rejoin_and_rekey);
  CU_add_test(suite, "monitor and inactive group", test_monitor_and_inactive);
  CU_add_test(suite, "key object group-only", test_key_group_only);
  CU_add_test(suite, "key object both modes", test_key_group_and_pairwise);
  CU_add_test(suite, "Java test group key", test_java_group_key);
  CU_add_test(suite, "sign_info and ecdh_info", test_info_entries);
  CU_add_test(suite, "token transfer ecdh_info", test_token_transfer_ecdh_info);
  CU_add_test(suite, "stale-sids", test_stale_sids);
  CU_add_test(suite, "active and verif-data", test_active_and_verif_data);
  CU_add_test(suite, "credential check", test_cred_check);
  CU_add_test(suite, "config file encoding", test_config_encode);
  return gkdc_test_run();
}
