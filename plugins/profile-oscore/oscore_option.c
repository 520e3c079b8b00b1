/*
 * The OSCORE option value (RFC 8613 section 6.1) and the option classes of
 * section 4.1.
 */
#include <string.h>

#include "oscore.h"

int gkdc_oscore_option_encode(const struct gkdc_oscore_option *opt, uint8_t *out,
                              size_t cap, size_t *len)
{
  size_t need = 0;
  size_t pos = 0;
  uint8_t flags;

  if (opt->piv.len > GKDC_OSCORE_MAX_PIV_LEN)
    return 0;
  if (opt->has_kid_context && opt->kid_context.len > 255)
    return 0;

  flags = (uint8_t)opt->piv.len;
  if (opt->has_kid)
    flags |= GKDC_OSCORE_FLAG_K;
  if (opt->has_kid_context)
    flags |= GKDC_OSCORE_FLAG_H;

  /* All flags zero: the option value is empty (never a single 0x00). */
  if (flags == 0) {
    *len = 0;
    return 1;
  }

  need = 1 + opt->piv.len;
  if (opt->has_kid_context)
    need += 1 + opt->kid_context.len;
  if (opt->has_kid)
    need += opt->kid.len;
  if (need > GKDC_OSCORE_MAX_OPTION_LEN || need > cap)
    return 0;

  out[pos++] = flags;
  if (opt->piv.len > 0) {
    memcpy(out + pos, opt->piv.ptr, opt->piv.len);
    pos += opt->piv.len;
  }
  if (opt->has_kid_context) {
    out[pos++] = (uint8_t)opt->kid_context.len;
    if (opt->kid_context.len > 0)
      memcpy(out + pos, opt->kid_context.ptr, opt->kid_context.len);
    pos += opt->kid_context.len;
  }
  if (opt->has_kid && opt->kid.len > 0) {
    memcpy(out + pos, opt->kid.ptr, opt->kid.len);
    pos += opt->kid.len;
  }

  *len = pos;
  return 1;
}

enum gkdc_oscore_status gkdc_oscore_option_decode(const uint8_t *value, size_t len,
                                                  struct gkdc_oscore_option *out)
{
  struct gkdc_oscore_option opt;
  size_t pos = 0;
  size_t n;
  uint8_t flags;

  memset(&opt, 0, sizeof(opt));
  if (len == 0) {
    *out = opt;
    return GKDC_OSCORE_OK;
  }
  if (value == NULL || len > GKDC_OSCORE_MAX_OPTION_LEN)
    return GKDC_OSCORE_ERR_BAD_OPTION;

  flags = value[pos++];
  if (flags & GKDC_OSCORE_FLAG_RESERVED)
    return GKDC_OSCORE_ERR_BAD_OPTION;
  /* A present but all-zero flag byte must have been sent as empty. */
  if (flags == 0)
    return GKDC_OSCORE_ERR_BAD_OPTION;

  n = flags & GKDC_OSCORE_FLAG_N_MASK;
  if (n > GKDC_OSCORE_MAX_PIV_LEN)
    return GKDC_OSCORE_ERR_BAD_OPTION;
  if (len - pos < n)
    return GKDC_OSCORE_ERR_BAD_OPTION;
  opt.piv.ptr = value + pos;
  opt.piv.len = n;
  pos += n;

  if (flags & GKDC_OSCORE_FLAG_H) {
    size_t s;

    if (len - pos < 1)
      return GKDC_OSCORE_ERR_BAD_OPTION;
    s = value[pos++];
    if (len - pos < s)
      return GKDC_OSCORE_ERR_BAD_OPTION;
    opt.has_kid_context = 1;
    opt.kid_context.ptr = value + pos;
    opt.kid_context.len = s;
    pos += s;
  }

  if (flags & GKDC_OSCORE_FLAG_K) {
    /* The kid is the rest of the option and may be empty. */
    opt.has_kid = 1;
    opt.kid.ptr = value + pos;
    opt.kid.len = len - pos;
    pos = len;
  }

  /* Without k, no bytes may follow the announced fields. */
  if (pos != len)
    return GKDC_OSCORE_ERR_BAD_OPTION;

  if (opt.piv.len == 0)
    opt.piv.ptr = NULL;
  *out = opt;
  return GKDC_OSCORE_OK;
}

unsigned gkdc_oscore_option_class(uint16_t number)
{
  switch (number) {
  case GKDC_OPT_URI_HOST:
  case GKDC_OPT_URI_PORT:
  case GKDC_OPT_OSCORE:
  case GKDC_OPT_PROXY_URI:
  case GKDC_OPT_PROXY_SCHEME:
    return GKDC_OSCORE_CLASS_U;
  case GKDC_OPT_OBSERVE:
  case GKDC_OPT_MAX_AGE:
  case GKDC_OPT_BLOCK2:
  case GKDC_OPT_BLOCK1:
  case GKDC_OPT_SIZE2:
  case GKDC_OPT_SIZE1:
  case GKDC_OPT_NO_RESPONSE:
    return GKDC_OSCORE_CLASS_E | GKDC_OSCORE_CLASS_U;
  default:
    /* If-Match, ETag, If-None-Match, Location-*, Uri-Path, Content-Format,
     * Uri-Query, Accept and every unknown option are class E. */
    return GKDC_OSCORE_CLASS_E;
  }
}
