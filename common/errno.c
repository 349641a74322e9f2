/* SPDX-License-Identifier: BSD-2-Clause */
#include "internal.h"

PVF_API const char *pvf_strerror(int err)
{
	static const struct { int code; const char *name; } names[] = {
		{ PVF_EPERM, "EPERM" }, { PVF_ENOENT, "ENOENT" }, { PVF_EIO, "EIO" },
		{ PVF_E2BIG, "E2BIG" }, { PVF_EBADF, "EBADF" }, { PVF_EAGAIN, "EAGAIN" },
		{ PVF_ENOMEM, "ENOMEM" }, { PVF_EACCES, "EACCES" }, { PVF_EFAULT, "EFAULT" },
		{ PVF_EBUSY, "EBUSY" }, { PVF_EEXIST, "EEXIST" }, { PVF_ENODEV, "ENODEV" },
		{ PVF_EINVAL, "EINVAL" }, { PVF_ENOSPC, "ENOSPC" }, { PVF_EROFS, "EROFS" },
		{ PVF_ERANGE, "ERANGE" }, { PVF_ENOSYS, "ENOSYS" }, { PVF_ENODATA, "ENODATA" },
		{ PVF_EPROTO, "EPROTO" }, { PVF_EBADMSG, "EBADMSG" },
		{ PVF_EOVERFLOW, "EOVERFLOW" }, { PVF_EOPNOTSUPP, "EOPNOTSUPP" },
		{ PVF_ECONNRESET, "ECONNRESET" }, { PVF_ENOTCONN, "ENOTCONN" },
		{ PVF_ESHUTDOWN, "ESHUTDOWN" }, { PVF_ETIMEDOUT, "ETIMEDOUT" },
		{ PVF_EALREADY, "EALREADY" }, { PVF_ECANCELED, "ECANCELED" },
	};
	size_t i;

	if (err == 0)
		return "OK";
	if (err < 0)
		err = -err;
	for (i = 0; i < PVF_ARRAY_SIZE(names); i++)
		if (names[i].code == err)
			return names[i].name;
	return "E?";
}
