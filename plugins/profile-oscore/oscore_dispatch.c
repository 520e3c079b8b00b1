/*
 * Conversion between the decrypted inner CoAP message and the plain
 * gkdc_request / gkdc_response that route handlers see.
 */
#include <string.h>

#include "oscore.h"

int gkdc_oscore_inner_request(const struct gkdc_coap_msg *msg, const struct gkdc_peer *peer,
                              struct gkdc_oscore_inner *out)
{
  struct gkdc_request *req = &out->request;
  size_t i;

  memset(out, 0, sizeof(*out));
  if (GKDC_CODE_CLASS(msg->code) != 0 || msg->code < GKDC_GET || msg->code > GKDC_IPATCH)
    return 0;

  req->size = sizeof(*req);
  req->method = msg->code;
  req->path = out->path;
  req->query = out->query;
  req->content_format = GKDC_CF_NONE;
  req->accept = GKDC_CF_NONE;
  req->observe = GKDC_OBSERVE_NONE;
  req->payload = msg->payload.ptr;
  req->payload_len = msg->payload.len;
  req->peer = peer;

  for (i = 0; i < msg->option_count; i++) {
    const struct gkdc_coap_option *o = &msg->options[i];
    uint32_t v;

    switch (o->number) {
    case GKDC_OPT_URI_PATH:
      if (req->path_count == GKDC_OSCORE_MAX_PATH)
        return 0;
      out->path[req->path_count++] = o->value;
      break;
    case GKDC_OPT_URI_QUERY:
      if (req->query_count == GKDC_OSCORE_MAX_QUERY)
        return 0;
      out->query[req->query_count++] = o->value;
      break;
    case GKDC_OPT_CONTENT_FORMAT:
      if (!gkdc_oscore_option_uint(o, &v) || v > 0xffff)
        return 0;
      req->content_format = (int32_t)v;
      break;
    case GKDC_OPT_ACCEPT:
      if (!gkdc_oscore_option_uint(o, &v) || v > 0xffff)
        return 0;
      req->accept = (int32_t)v;
      break;
    case GKDC_OPT_OBSERVE:
      if (!gkdc_oscore_option_uint(o, &v) || v > 0xffffff)
        return 0;
      req->observe = (int32_t)v;
      break;
    case GKDC_OPT_BLOCK1:
      /* NOTE: inner (end-to-end) Block1 reassembly is not implemented, so
       * a fragmented request body is rejected rather than taken as whole. */
      return 0;
    default:
      /* An unknown critical (odd-numbered) option must not be ignored
       * (RFC 7252 section 5.4.1); elective ones are. */
      if ((o->number & 1) && o->number != GKDC_OPT_URI_HOST &&
          o->number != GKDC_OPT_URI_PORT && o->number != GKDC_OPT_IF_MATCH &&
          o->number != GKDC_OPT_IF_NONE_MATCH && o->number != GKDC_OPT_BLOCK2 &&
          o->number != GKDC_OPT_PROXY_SCHEME && o->number != GKDC_OPT_PROXY_URI)
        return 0;
      break;
    }
  }
  return 1;
}

/* Writes a uint option value (shortest form, 0 as empty) at out + *pos. */
static int put_uint_option(struct gkdc_coap_msg *msg, uint16_t number, uint32_t v,
                           uint8_t *out, size_t cap, size_t *pos)
{
  size_t len = 0;
  uint8_t tmp[4];

  while (v != 0) {
    tmp[3 - len] = (uint8_t)v;
    v >>= 8;
    len++;
  }
  if (cap - *pos < len || msg->option_count == GKDC_COAP_MAX_OPTIONS)
    return 0;
  memcpy(out + *pos, tmp + 4 - len, len);
  msg->options[msg->option_count].number = number;
  msg->options[msg->option_count].value.ptr = len > 0 ? out + *pos : NULL;
  msg->options[msg->option_count].value.len = len;
  msg->option_count++;
  *pos += len;
  return 1;
}

int gkdc_oscore_inner_response(const struct gkdc_response *resp, int32_t observe,
                               struct gkdc_coap_msg *out, uint8_t *scratch, size_t cap)
{
  size_t pos = 0;
  size_t i;

  memset(out, 0, sizeof(*out));
  if (resp->code == 0 || GKDC_CODE_CLASS(resp->code) < 2 || GKDC_CODE_CLASS(resp->code) > 5)
    return 0;
  out->code = resp->code;

  /* Options in ascending number: Observe (6), Location-Path (8),
   * Content-Format (12), Max-Age (14). */
  if (observe >= 0 && !put_uint_option(out, GKDC_OPT_OBSERVE, (uint32_t)observe & 0xffffff,
                                       scratch, cap, &pos))
    return 0;
  for (i = 0; i < resp->location_count && i < GKDC_MAX_LOCATION; i++) {
    if (out->option_count == GKDC_COAP_MAX_OPTIONS)
      return 0;
    out->options[out->option_count].number = GKDC_OPT_LOCATION_PATH;
    out->options[out->option_count].value.ptr = (const uint8_t *)resp->location[i];
    out->options[out->option_count].value.len = strlen(resp->location[i]);
    out->option_count++;
  }
  if (resp->content_format >= 0 && resp->content_format <= 0xffff &&
      !put_uint_option(out, GKDC_OPT_CONTENT_FORMAT, (uint32_t)resp->content_format, scratch,
                       cap, &pos))
    return 0;
  if (resp->max_age >= 0 &&
      !put_uint_option(out, GKDC_OPT_MAX_AGE,
                       resp->max_age > UINT32_MAX ? UINT32_MAX : (uint32_t)resp->max_age,
                       scratch, cap, &pos))
    return 0;

  out->payload.ptr = resp->payload;
  out->payload.len = resp->payload_len;
  return 1;
}

int gkdc_oscore_error_message(enum gkdc_oscore_status status, struct gkdc_coap_msg *out)
{
  const char *diag;
  uint8_t code;

  if (!gkdc_oscore_error_response(status, &code, &diag))
    return 0;

  /* Unprotected, with an outer Max-Age of 0 so that no intermediary
   * caches it (RFC 8613 section 8.2). */
  memset(out, 0, sizeof(*out));
  out->code = code;
  out->options[0].number = GKDC_OPT_MAX_AGE;
  out->options[0].value.ptr = NULL;
  out->options[0].value.len = 0;
  out->option_count = 1;
  out->payload.ptr = (const uint8_t *)diag;
  out->payload.len = strlen(diag);
  return 1;
}
