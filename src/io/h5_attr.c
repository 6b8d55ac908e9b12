/* h5_attr: attribute writers and the UTC stamp (h5_attr.h). */
#define _POSIX_C_SOURCE 200809L
#include "h5_attr.h"

#include <stdio.h>
#include <time.h>

#include "check.h"

void ps_h5_attr_write(hid_t loc, const char *name, hid_t type, hsize_t n, const void *buf)
{
    hid_t space = (hid_t)(n ? PS_H5(H5Screate_simple(1, &n, NULL)) : PS_H5(H5Screate(H5S_SCALAR)));
    hid_t a = (hid_t)PS_H5(H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
    PS_H5(H5Awrite(a, type, buf));
    PS_H5(H5Aclose(a));
    PS_H5(H5Sclose(space));
}

void ps_h5_attr_write_string(hid_t loc, const char *name, const char *s)
{
    hid_t t = (hid_t)PS_H5(H5Tcopy(H5T_C_S1));
    PS_H5(H5Tset_size(t, H5T_VARIABLE));
    PS_H5(H5Tset_cset(t, H5T_CSET_UTF8));
    const char *v = s ? s : "";
    ps_h5_attr_write(loc, name, t, 0, &v);
    PS_H5(H5Tclose(t));
}

void ps_h5_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, len, "unknown");
}
