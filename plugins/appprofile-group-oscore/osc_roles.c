/*
 * appprofile-group-oscore: roles, scopes and the access table.
 *
 * Scopes follow AIF-OSCORE-GROUPCOMM: a byte string wrapping
 * [* [Toid, Tperm]], where a user entry has Toid = group name and an even
 * Tperm, the OR of 2^role (Requester 1, Responder 2, Monitor 3,
 * Verifier 4). Admin entries of the admin interface have an odd Tperm and
 * grant no role here.
 */
#include <string.h>

#include "osc_internal.h"

#define CODE_400 GKDC_CODE(4, 0)
#define CODE_403 GKDC_CODE(4, 3)
#define CODE_405 GKDC_CODE(4, 5)

static int name_is(struct gkdc_bytes n, const char *name)
{
  return n.len == strlen(name) && memcmp(n.ptr, name, n.len) == 0;
}

int osc_scope_roles(void *st, struct gkdc_bytes scope, const char *name,
                    uint64_t *roles, struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;
  struct gkdc_cbor_dec outer, d;
  struct gkdc_bytes inner = scope;
  uint64_t found = 0;
  int in_scope = 0;
  size_t n = 0;
  size_t i;

  if (fail != NULL)
    fail->code = 0;
  if (scope.len == 0 || name == NULL)
    return 0;

  /* The claim: an optional extended-scope tag around the byte string. */
  if (gkdc_cbor_dec_init(&outer, scope.ptr, scope.len, NULL) != GKDC_CBOR_OK)
    goto malformed;
  gkdc_cbor_dec_skip_tag(&outer, GKDC_OSC_SCOPE_TAG);
  if (gkdc_cbor_dec_peek_type(&outer) == GKDC_CBOR_TYPE_BSTR) {
    if (!gkdc_cbor_dec_get_bstr(&outer, &inner))
      goto malformed;
  } else if (gkdc_cbor_dec_peek_type(&outer) != GKDC_CBOR_TYPE_ARRAY) {
    goto malformed;
  } else {
    /* NOTE: a bare array (the content of the byte string) is accepted too,
     * for callers that unwrap the claim themselves. */
    inner = scope;
  }

  if (gkdc_cbor_dec_init(&d, inner.ptr, inner.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&d, &n))
    goto malformed;
  for (i = 0; i < n; i++) {
    struct gkdc_bytes toid;
    uint64_t tperm;
    size_t m = 0;

    if (!gkdc_cbor_dec_enter_array(&d, &m) || m != 2)
      goto malformed;
    if (gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_TSTR) {
      /* An admin entry's wildcard or pattern: no role in any group. */
      if (!gkdc_cbor_dec_skip(&d) || !gkdc_cbor_dec_get_uint(&d, &tperm) ||
          !gkdc_cbor_dec_exit(&d))
        goto malformed;
      continue;
    }
    if (!gkdc_cbor_dec_get_tstr(&d, &toid) || !gkdc_cbor_dec_get_uint(&d, &tperm) ||
        !gkdc_cbor_dec_exit(&d))
      goto malformed;
    if ((tperm & 1) != 0 || !name_is(toid, name))
      continue;
    in_scope = 1;
    found |= tperm & GKDC_OSC_ROLES_ALL;
  }
  if (!gkdc_cbor_dec_exit(&d) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    goto malformed;

  if (in_scope && roles != NULL)
    *roles = found;
  return in_scope;

malformed:
  osc_fail(s, fail, CODE_400, -1, "malformed scope: not an AIF-OSCORE-GROUPCOMM "
                                  "byte string of [group name, roles] entries");
  return 0;
}

int osc_roles_valid_for_join(uint64_t roles)
{
  return roles == GKDC_OSC_ROLE_REQUESTER || roles == GKDC_OSC_ROLE_RESPONDER ||
         roles == (GKDC_OSC_ROLE_REQUESTER | GKDC_OSC_ROLE_RESPONDER) ||
         roles == GKDC_OSC_ROLE_MONITOR;
}

int osc_join_scope_parse(void *st, struct gkdc_bytes scope_entry,
                         const char *name, uint64_t *roles,
                         struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;
  struct gkdc_cbor_dec d;
  struct gkdc_bytes toid;
  uint64_t tperm = 0;
  size_t n = 0;

  if (gkdc_cbor_dec_init(&d, scope_entry.ptr, scope_entry.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&d, &n) || n != 2 || !gkdc_cbor_dec_get_tstr(&d, &toid) ||
      !gkdc_cbor_dec_get_uint(&d, &tperm) || !gkdc_cbor_dec_exit(&d) ||
      gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK) {
    osc_fail(s, fail, CODE_400, -1, "malformed scope: expected one [group name, roles] entry");
    return 0;
  }
  if (name == NULL || !name_is(toid, name)) {
    osc_fail(s, fail, CODE_400, -1, "the scope names another group than the resource");
    return 0;
  }
  if (!osc_roles_valid_for_join(tperm)) {
    osc_fail(s, fail, CODE_400, -1,
             "invalid role set %llu for joining: use Requester (2), Responder (4), "
             "both (6) or Monitor (8)", (unsigned long long)tperm);
    return 0;
  }
  *roles = tperm;
  return 1;
}

int osc_roles_need_cred(void *st, uint64_t roles)
{
  (void)st;
  return (roles & (GKDC_OSC_ROLE_REQUESTER | GKDC_OSC_ROLE_RESPONDER)) != 0;
}

/* The four requester types of the profile's method table. */
enum requester_type {
  TYPE_SENDER = 1,   /* member with Requester and/or Responder */
  TYPE_MONITOR = 2,  /* member with only Monitor */
  TYPE_VERIFIER = 3, /* non-member granted the Verifier role */
  TYPE_OTHER = 4,    /* any other non-member */
};

static int requester_type(const struct gkdc_ap_access *a)
{
  if (a->member != NULL && a->member->rec != NULL)
    return osc_roles_need_cred(NULL, a->member->rec->roles) ? TYPE_SENDER : TYPE_MONITOR;
  if (a->has_grant && (a->granted_roles & GKDC_OSC_ROLE_VERIFIER))
    return TYPE_VERIFIER;
  return TYPE_OTHER;
}

static int only_members(struct osc_state *s, struct gkdc_ap_fail *fail)
{
  osc_fail(s, fail, CODE_403, GKDC_GC_ERR_ONLY_MEMBERS, "operation permitted only to group members");
  return 0;
}

static int only_verifiers(struct osc_state *s, struct gkdc_ap_fail *fail)
{
  osc_fail(s, fail, CODE_403, GKDC_OSC_ERR_ONLY_VERIFIERS,
           "operation permitted only to signature verifiers");
  return 0;
}

/* Verifier resources need the group mode: 4.00 with error 7 otherwise. */
static int needs_signatures(struct osc_state *s, const struct gkdc_ap_access *a,
                            struct gkdc_ap_fail *fail)
{
  if (a->group != NULL && (a->group->flags & GKDC_STORE_GROUP_MODE))
    return 1;
  osc_fail(s, fail, CODE_400, GKDC_OSC_ERR_NO_SIGNATURES, "signatures not used in the group");
  return 0;
}

/*
 * The method table of the profile. Type 1 is a member with Requester
 * and/or Responder, type 2 a Monitor-only member, type 3 a non-member
 * authorized as signature verifier, type 4 any other non-member:
 *
 *   resource            type 1   type 2   type 3   type 4
 *   /ace-group          F        F        F        F
 *   GROUPNAME           G P      G P      P        P
 *   .../active          G        G        -        -
 *   .../verif-data      -        -        G        -
 *   .../creds           G F      G F      G F      -
 *   .../kdc-cred        G        G        F        -
 *   .../stale-sids      F        F        -        -
 *   .../policies, num   G        G        -        -
 *   .../nodes/NODENAME  G P D    G D      -        -
 *   .../nodes/N/cred    P        -        -        -
 */
int osc_access_check(void *st, const struct gkdc_ap_access *a,
                     struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;
  int type = requester_type(a);
  int member = type == TYPE_SENDER || type == TYPE_MONITOR;
  uint32_t m = a->method;

  switch (a->resource) {
  case GKDC_AP_RES_ROOT:
    if (m == GKDC_FETCH)
      return 1;
    break;
  case GKDC_AP_RES_GROUP:
    if (m == GKDC_POST)
      return 1;
    if (m == GKDC_GET)
      return member ? 1 : only_members(s, fail);
    break;
  case OSC_RES_ACTIVE:
  case GKDC_AP_RES_POLICIES:
  case GKDC_AP_RES_NUM:
    if (m == GKDC_GET)
      return member ? 1 : only_members(s, fail);
    break;
  case OSC_RES_STALE_SIDS:
    if (m == GKDC_FETCH)
      return member ? 1 : only_members(s, fail);
    break;
  case OSC_RES_VERIF_DATA:
    if (m == GKDC_GET)
      return type == TYPE_VERIFIER ? needs_signatures(s, a, fail) : only_verifiers(s, fail);
    break;
  case GKDC_AP_RES_CREDS:
    if (m == GKDC_GET || m == GKDC_FETCH)
      return type != TYPE_OTHER ? 1 : only_members(s, fail);
    break;
  case GKDC_AP_RES_KDC_CRED:
    if (m == GKDC_GET)
      return member ? 1 : only_members(s, fail);
    if (m == GKDC_FETCH)
      return type == TYPE_VERIFIER ? needs_signatures(s, a, fail) : only_verifiers(s, fail);
    break;
  case GKDC_AP_RES_NODE:
    if (m != GKDC_GET && m != GKDC_POST && m != GKDC_DELETE)
      break;
    if (!member)
      return only_members(s, fail);
    if (m == GKDC_POST && type == TYPE_MONITOR) {
      osc_fail(s, fail, CODE_400, GKDC_GC_ERR_ROLES_INCONSISTENT,
               "a Monitor has no Sender ID to renew");
      return 0;
    }
    return 1;
  case GKDC_AP_RES_NODE_CRED:
    if (m != GKDC_POST)
      break;
    if (!member)
      return only_members(s, fail);
    if (type == TYPE_MONITOR) {
      osc_fail(s, fail, CODE_400, GKDC_GC_ERR_ROLES_INCONSISTENT,
               "a Monitor has no authentication credential in the group");
      return 0;
    }
    return 1;
  default:
    osc_fail(s, fail, GKDC_CODE(4, 4), -1, "no such resource");
    return 0;
  }
  osc_fail(s, fail, CODE_405, -1, "method not allowed on this resource");
  return 0;
}
