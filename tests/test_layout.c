/* The result-field table (layout.c): `run`'s key order as e01b091 printed it, every per-task
 * sweep variable but done backed by a field of a matching kind, and each field read and
 * stored at its own offset in ps_result, its neighbours untouched. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"
#include "run.h"

static void test_run_key_order(void **state)
{
    (void)state;
    /* the JSON key order of `phasesweep run` is a contract: new fields go at the end */
    static const char *const keys[] = {"min_test_error", "stable_rank", "iterations",
        "log_distance", "n_iter", "stop_reason", "final_train_error", "width", "sigma2", "lr",
        "seconds"};
    int n;
    const ps_result_field *f = ps_result_fields(&n);
    assert_true(n >= (int)(sizeof keys / sizeof keys[0]));
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_string_equal(f[i].name, keys[i]);
    assert_null(ps_result_field_find("done"));
    assert_ptr_equal(ps_result_field_find("n_iter"), &f[4]);
}

static void test_sweep_variables_have_fields(void **state)
{
    (void)state;
    const ps_layout *L = ps_layout_sweep();
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (v->ndims != 3 || !strcmp(v->name, "done")) continue;
        const ps_result_field *f = ps_result_field_find(v->name);
        assert_non_null(f);
        assert_int_equal(v->type == PS_VAR_F64, f->kind == PS_FIELD_F64);
    }
}

static void test_store_and_read_each_field(void **state)
{
    (void)state;
    int n;
    const ps_result_field *f = ps_result_fields(&n);
    for (int i = 0; i < n; i++) {
        ps_result r, before;
        memset(&r, 0xA5, sizeof r);
        before = r;
        ps_result_store(&f[i], &r, 0.25, 3);
        if (f[i].kind == PS_FIELD_F64) assert_true(ps_result_f64(&f[i], &r) == 0.25);
        else assert_int_equal(ps_result_int(&f[i], &r), 3);
        /* every other field keeps its bytes */
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            if (f[j].kind == PS_FIELD_F64)
                assert_memory_equal((char *)&r + f[j].offset, (char *)&before + f[j].offset, 8);
            else assert_int_equal(ps_result_int(&f[j], &r), ps_result_int(&f[j], &before));
        }
    }
    ps_result r = {0};
    r.stop = PS_STOP_PLATEAU, r.width = 89, r.iterations = 7;
    assert_int_equal(ps_result_int(ps_result_field_find("stop_reason"), &r), PS_STOP_PLATEAU);
    assert_int_equal(ps_result_int(ps_result_field_find("width"), &r), 89);
    assert_int_equal(ps_result_int(ps_result_field_find("iterations"), &r), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_key_order),
        cmocka_unit_test(test_sweep_variables_have_fields),
        cmocka_unit_test(test_store_and_read_each_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
