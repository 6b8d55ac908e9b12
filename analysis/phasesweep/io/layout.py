"""The layout of phasesweep's sweep and trace files (layout_version 2), mirrored from the C
table in src/io/layout.c (`phasesweep info --layout json` prints that one; tests/python checks
that the two agree).

Each variable: name, numpy type, fill (None: no _FillValue; "nan"; -1), dims, units
(UDUNITS: "1" dimensionless, "s" seconds), long_name, description, flag_meanings (CF: the
meanings of flag_values 0, 1, ...; None when the variable holds no flags). SWEEP is the
sweep file without --curves; CURVES the variables a sweep --curves file has besides (the
`iteration` scale, then the curves over (gamma_s, gamma_w, replica, iteration)), flagged
only="curves" in the engine's table, where `iteration` follows `replica` and the curves
precede `done`.
"""

LAYOUT_VERSION = 2

SWEEP_COORDINATES = 'sigma2 width'
TRACE_COORDINATES = ''

SWEEP = (
    dict(name='gamma_s', type='float64', fill=None, dims=('gamma_s',), units='1',
         long_name='gamma_s', description='initialization variance exponent: sigma2 = d^gamma_s',
         flag_meanings=None),
    dict(name='gamma_w', type='float64', fill=None, dims=('gamma_w',), units='1',
         long_name='gamma_w', description='width exponent: width = floor(d^gamma_w)',
         flag_meanings=None),
    dict(name='replica', type='int64', fill=None, dims=('replica',), units='1',
         long_name='replica', description='replica index: its own teacher and initial weights',
         flag_meanings=None),
    dict(name='sigma2', type='float64', fill=None, dims=('gamma_s',), units='1',
         long_name='initialization variance',
         description='variance of the initial weights, d^gamma_s', flag_meanings=None),
    dict(name='width', type='int64', fill=None, dims=('gamma_w',), units='1',
         long_name='network width', description='hidden width w = floor(d^gamma_w)',
         flag_meanings=None),
    dict(name='min_test_error', type='float64', fill='nan',
         dims=('gamma_s', 'gamma_w', 'replica'), units='1', long_name='minimum test error',
         description='min over recorded iterations of ||A_i - A*||_F^2 / d^2', flag_meanings=None),
    dict(name='stable_rank', type='float64', fill='nan', dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='stable rank at the minimum',
         description='||A_j||_F^2 / ||A_j||_op^2 at the test-error argmin j', flag_meanings=None),
    dict(name='iterations', type='int32', fill=-1, dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='iterations to the minimum',
         description='the test-error argmin j (first on ties)', flag_meanings=None),
    dict(name='log_distance', type='float64', fill='nan', dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='ln max GD-vs-theory distance',
         description='ln max_i ||A_i - B_i||_F^2 / d^2; NaN without the theory dynamics',
         flag_meanings=None),
    dict(name='final_train_error', type='float64', fill='nan',
         dims=('gamma_s', 'gamma_w', 'replica'), units='1', long_name='final train error',
         description='train error of the last recorded iterate', flag_meanings=None),
    dict(name='n_iter', type='int32', fill=-1, dims=('gamma_s', 'gamma_w', 'replica'), units='1',
         long_name='GD steps taken', description='gradient descent steps until the run stopped',
         flag_meanings=None),
    dict(name='seconds', type='float64', fill='nan', dims=('gamma_s', 'gamma_w', 'replica'),
         units='s', long_name='run time',
         description='wall time of the task, drawing the network included', flag_meanings=None),
    dict(name='stop_reason', type='int8', fill=-1, dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='stop reason',
         description='why the run stopped; the fill -1 means not done',
         flag_meanings='converged overfitting plateau max_iter diverged'),
    dict(name='done', type='uint8', fill=None, dims=('gamma_s', 'gamma_w', 'replica'), units='1',
         long_name='task done',
         description='1 once every value of the task is written (written last)',
         flag_meanings='not_done done'),
)

_CURVE_DIMS = ('gamma_s', 'gamma_w', 'replica', 'iteration')
_AFTER_STOP = 'at each recorded iteration; NaN after the task stopped'
CURVES = (
    dict(name='iteration', type='int64', fill=None, dims=('iteration',), units='1',
         long_name='iteration',
         description='gradient descent steps taken at a recorded point of the curves: '
                     '0, K, 2K, ... (K = --curves-every)', flag_meanings=None),
    dict(name='gd_train_error', type='float64', fill='nan', dims=_CURVE_DIMS, units='1',
         long_name='GD train error',
         description="||A - (A* + E)||_F^2 / d^2 of gradient descent's A = W2 W1 " + _AFTER_STOP,
         flag_meanings=None),
    dict(name='gd_test_error', type='float64', fill='nan', dims=_CURVE_DIMS, units='1',
         long_name='GD test error',
         description="||A - A*||_F^2 / d^2 of gradient descent's A = W2 W1 " + _AFTER_STOP,
         flag_meanings=None),
    dict(name='theory_train_error', type='float64', fill='nan', dims=_CURVE_DIMS, units='1',
         long_name='theory train error',
         description="||B - (A* + E)||_F^2 / d^2 of the self-consistent dynamics' B "
                     + _AFTER_STOP, flag_meanings=None),
    dict(name='theory_test_error', type='float64', fill='nan', dims=_CURVE_DIMS, units='1',
         long_name='theory test error',
         description="||B - A*||_F^2 / d^2 of the self-consistent dynamics' B " + _AFTER_STOP,
         flag_meanings=None),
    dict(name='distance', type='float64', fill='nan', dims=_CURVE_DIMS, units='1',
         long_name='GD-vs-theory distance', description='||A - B||_F^2 / d^2 ' + _AFTER_STOP,
         flag_meanings=None),
)

TRACE = (
    dict(name='iteration', type='int64', fill=None, dims=('iteration',), units='1',
         long_name='iteration',
         description='gradient descent steps taken (0: the initial network)', flag_meanings=None),
    dict(name='sv_index', type='int64', fill=None, dims=('sv_index',), units='1',
         long_name='singular value index',
         description='position of a singular value in descending order (0: the largest)',
         flag_meanings=None),
    dict(name='gd_train_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='GD train error',
         description="||A - (A* + E)||_F^2 / d^2 of gradient descent's A = W2 W1",
         flag_meanings=None),
    dict(name='gd_test_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='GD test error',
         description="||A - A*||_F^2 / d^2 of gradient descent's A = W2 W1", flag_meanings=None),
    dict(name='theory_train_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='theory train error',
         description="||B - (A* + E)||_F^2 / d^2 of the self-consistent dynamics' B",
         flag_meanings=None),
    dict(name='theory_test_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='theory test error',
         description="||B - A*||_F^2 / d^2 of the self-consistent dynamics' B",
         flag_meanings=None),
    dict(name='distance', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='GD-vs-theory distance', description='||A - B||_F^2 / d^2', flag_meanings=None),
    dict(name='gd_singular_values', type='float64', fill=None, dims=('iteration', 'sv_index'),
         units='1', long_name='singular values of A',
         description="all singular values of gradient descent's A, descending",
         flag_meanings=None),
    dict(name='theory_singular_values', type='float64', fill=None, dims=('iteration', 'sv_index'),
         units='1', long_name='singular values of B',
         description="all singular values of the theory's B, descending", flag_meanings=None),
)


def _sweep_with_curves():
    """SWEEP and CURVES in the engine table's order."""
    scales = [i for i, v in enumerate(SWEEP) if v["name"] == "replica"][0] + 1
    return SWEEP[:scales] + CURVES[:1] + SWEEP[scales:-1] + CURVES[1:] + SWEEP[-1:]


def variables(kind, curves=False):
    """The variables of a "sweep" (made with --curves or not) or "trace" file, in the
    file's order."""
    if kind == "sweep" and curves:
        return _sweep_with_curves()
    return {"sweep": SWEEP, "trace": TRACE}[kind]


def as_json():
    """The same object `phasesweep info --layout json` prints: the whole sweep table, each
    variable with "only": None or "curves"."""
    curve_names = {v["name"] for v in CURVES}
    return {"layout_version": LAYOUT_VERSION,
            "sweep_coordinates": SWEEP_COORDINATES,
            "sweep": [dict(v, dims=list(v["dims"]),
                           only="curves" if v["name"] in curve_names else None)
                      for v in _sweep_with_curves()],
            "trace_coordinates": TRACE_COORDINATES,
            "trace": [dict(v, dims=list(v["dims"]), only=None) for v in TRACE]}
