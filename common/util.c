/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Freestanding string helpers and the cores' bounded formatter.
 */
#include "internal.h"

size_t pvf_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int pvf_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

int pvf_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (int)(unsigned char)*a - (int)(unsigned char)*b;
	}
	return 0;
}

size_t pvf_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = 0;

	while (src[len])
		len++;
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Output sink of the formatter: counts everything, stores what fits. */
struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_ch(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_str(struct fmt_out *o, const char *s, size_t n, unsigned width, bool left)
{
	size_t pad = width > n ? width - n : 0;

	if (!left)
		while (pad--)
			out_ch(o, ' ');
	while (n--)
		out_ch(o, *s++);
	if (left)
		while (pad--)
			out_ch(o, ' ');
}

/* Render @v in @base without division helpers beyond the native word on
 * 32-bit targets: base 10 uses 64-bit division, which we do by hand so the
 * i386 guest build needs no __udivdi3. */
static size_t render_u64(char *tmp, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;

	if (v == 0) {
		tmp[n++] = '0';
		return n;
	}
	while (v) {
		unsigned rem;

		if (base == 16) {
			rem = (unsigned)(v & 0xf);
			v >>= 4;
		} else {
			/* long division by 10, bit by bit: no libgcc helper */
			uint64_t q = 0;
			uint32_t r = 0;
			int bit;

			for (bit = 63; bit >= 0; bit--) {
				r = (r << 1) | (uint32_t)((v >> bit) & 1);
				if (r >= 10) {
					r -= 10;
					q |= (uint64_t)1 << bit;
				}
			}
			rem = r;
			v = q;
		}
		tmp[n++] = digits[rem];
	}
	return n;
}

static void out_num(struct fmt_out *o, uint64_t v, bool neg, unsigned base, bool upper,
		    unsigned width, bool zero, bool left)
{
	char tmp[24];
	size_t n = render_u64(tmp, v, base, upper);
	size_t total = n + (neg ? 1 : 0);
	size_t pad = width > total ? width - total : 0;

	if (!left && !zero)
		while (pad--)
			out_ch(o, ' ');
	if (neg)
		out_ch(o, '-');
	if (!left && zero)
		while (pad--)
			out_ch(o, '0');
	while (n)
		out_ch(o, tmp[--n]);
	if (left)
		while (pad--)
			out_ch(o, ' ');
}

int pvf_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };

	while (*fmt) {
		bool zero = false, left = false;
		unsigned width = 0;
		int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
		char c = *fmt++;

		if (c != '%') {
			out_ch(&o, c);
			continue;
		}
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9' && width < 1000)
			width = width * 10 + (unsigned)(*fmt++ - '0');
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = lng == 1 ? 2 : 1;
			else if (*fmt == 'z')
				lng = 3;
			else if (*fmt != 'h')
				break;
		}
		c = *fmt ? *fmt++ : '\0';
		switch (c) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			out_str(&o, s, pvf_strnlen(s, (size_t)-1), width, left);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			out_str(&o, &ch, 1, width, left);
			break;
		}
		case 'd':
		case 'i': {
			long long v;
			if (lng == 2)
				v = va_arg(ap, long long);
			else if (lng == 1)
				v = va_arg(ap, long);
			else if (lng == 3)
				v = (long long)va_arg(ap, size_t);
			else
				v = va_arg(ap, int);
			out_num(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, 10,
				false, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v;
			if (lng == 2)
				v = va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else if (lng == 3)
				v = va_arg(ap, size_t);
			else
				v = va_arg(ap, unsigned int);
			out_num(&o, v, false, c == 'u' ? 10 : 16, c == 'X', width, zero, left);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			out_ch(&o, '0');
			out_ch(&o, 'x');
			out_num(&o, v, false, 16, false, 0, false, false);
			break;
		}
		case '%':
			out_ch(&o, '%');
			break;
		case '\0':
			out_ch(&o, '%');
			break;
		default:
			/* unknown conversion: print it verbatim */
			out_ch(&o, '%');
			out_ch(&o, c);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int pvf_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pvf_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

void pvf_logf(const struct pvf_platform *p, enum pvf_log_level level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!p || !p->ops || !p->ops->log)
		return;
	va_start(ap, fmt);
	pvf_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->ops->log(p->ctx, level, line);
}
