//! Edict for Python (`import edict`): policies, engines, verdicts as dicts, and Arrow
//! batches judged column-wise through the Arrow C data interface.
//!
//! Errors are Python exceptions (`edict.PolicyError` with the diagnostics,
//! `edict.RecordError` with the record's id); nothing panics across the boundary (a panic
//! in Rust becomes pyo3's `PanicException`, which these functions do not rely on).

mod arrow_in;
mod arrow_out;

use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, RecordBatch, StructArray};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

create_exception!(_edict, EdictError, PyException, "Every error of edict.");
create_exception!(
    _edict,
    PolicyError,
    EdictError,
    "Policies that cannot be loaded; `.diagnostics` lists them (code, severity, message, file, line, column, help)."
);
create_exception!(
    _edict,
    RecordError,
    EdictError,
    "A record that cannot be judged; `.id` is its id when readable."
);

fn diag_dict<'py>(py: Python<'py>, d: &edict::Diagnostic) -> PyResult<Bound<'py, PyDict>> {
    let o = PyDict::new(py);
    o.set_item("code", &d.code)?;
    o.set_item("severity", &d.severity)?;
    o.set_item("message", &d.message)?;
    o.set_item("file", &d.file)?;
    o.set_item("line", d.line)?;
    o.set_item("column", d.column)?;
    o.set_item("help", &d.help)?;
    Ok(o)
}

fn load_err(py: Python<'_>, e: edict::LoadError) -> PyErr {
    let err = PolicyError::new_err(e.to_string());
    let ds: PyResult<Vec<Bound<'_, PyDict>>> =
        e.diagnostics().iter().map(|d| diag_dict(py, d)).collect();
    match ds {
        Ok(ds) => {
            let value = err.value(py);
            if let Err(e) = value.setattr("diagnostics", ds) {
                return e;
            }
            err
        }
        Err(e) => e,
    }
}

fn record_err(py: Python<'_>, e: edict::RecordError) -> PyErr {
    let err = RecordError::new_err(e.message.clone());
    if let Err(set) = err.value(py).setattr("id", e.id) {
        return set;
    }
    err
}

/// `as_of`: None (now), an RFC 3339 string, or a `datetime` (naive means Beijing time).
fn instant(as_of: Option<&Bound<'_, PyAny>>) -> PyResult<edict::Instant> {
    let Some(a) = as_of else {
        return Ok(edict::Instant::now());
    };
    if a.is_none() {
        return Ok(edict::Instant::now());
    }
    let text: String = if let Ok(s) = a.downcast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if a.hasattr("isoformat")? {
        a.call_method0("isoformat")?.extract()?
    } else {
        return Err(PyTypeError::new_err(
            "as_of must be a string (RFC 3339) or a datetime",
        ));
    };
    edict::Instant::parse(&text).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A Python object (dict/list/str/int/float/bool/None, datetime, Decimal) as JSON.
fn to_json(o: &Bound<'_, PyAny>, depth: u32) -> PyResult<Value> {
    if depth > 128 {
        return Err(PyValueError::new_err("the record is nested too deeply"));
    }
    if o.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = o.downcast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = o.downcast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(i) = o.downcast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(PyValueError::new_err(format!(
            "integer {i} is out of range"
        )));
    }
    if let Ok(f) = o.downcast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err("a float that is not finite"));
    }
    if let Ok(d) = o.downcast::<PyDict>() {
        let mut m = serde_json::Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("record keys must be strings"))?;
            m.insert(k, to_json(&v, depth + 1)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = o.downcast::<PyList>() {
        return l.iter().map(|x| to_json(&x, depth + 1)).collect();
    }
    if let Ok(t) = o.downcast::<PyTuple>() {
        return t.iter().map(|x| to_json(&x, depth + 1)).collect();
    }
    if o.hasattr("isoformat")? {
        return Ok(Value::String(o.call_method0("isoformat")?.extract()?));
    }
    let type_name = o.get_type().name()?.to_string();
    if type_name == "Decimal" {
        return Ok(Value::String(o.str()?.to_cow()?.into_owned()));
    }
    Err(PyTypeError::new_err(format!(
        "cannot read a {type_name} as a record value"
    )))
}

fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(to_py(py, x)?)?;
            }
            l.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

fn verdict_py<'py>(py: Python<'py>, v: &edict::Verdict) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v).map_err(|e| EdictError::new_err(e.to_string()))?;
    to_py(py, &value)
}

/// A checked policy set.
#[pyclass(module = "edict", frozen)]
struct Policies {
    inner: edict::Policies,
}

#[pymethods]
impl Policies {
    /// Loads a folder of `*.edict` files, one file, or an IR file written by `edict compile`.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Policies> {
        let r = py.allow_threads(|| edict::Policies::load(&path));
        r.map(|inner| Policies { inner })
            .map_err(|e| load_err(py, e))
    }

    /// Loads an IR file written by `edict compile`.
    #[staticmethod]
    fn from_ir(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Policies> {
        let r = py.allow_threads(|| edict::Policies::from_ir_file(&path));
        r.map(|inner| Policies { inner })
            .map_err(|e| load_err(py, e))
    }

    /// The names of the checks.
    #[getter]
    fn checks(&self) -> Vec<String> {
        self.inner.checks().map(str::to_string).collect()
    }

    /// The policy set's hash (as `edict compile` records it).
    #[getter]
    fn hash(&self) -> String {
        self.inner.hash().to_string()
    }

    /// An engine judging with these policies.
    fn engine(&self, py: Python<'_>) -> PyResult<Engine> {
        self.inner
            .engine()
            .map(|inner| Engine { inner })
            .map_err(|e| load_err(py, e))
    }

    fn __repr__(&self) -> String {
        format!(
            "<edict.Policies: {} checks, hash {}>",
            self.inner.checks().count(),
            self.inner.hash()
        )
    }
}

/// Judges records; thread-safe, and the GIL is released while judging.
#[pyclass(module = "edict", frozen)]
struct Engine {
    inner: edict::Engine,
}

#[pymethods]
impl Engine {
    /// Judges one record (a dict) at `as_of` (RFC 3339 string or datetime; default now):
    /// the verdict as a dict (DOMAIN.md §1.3, as `edict eval` writes it).
    #[pyo3(signature = (record, as_of = None, explain = false))]
    fn judge<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        explain: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = instant(as_of)?;
        let value = to_json(record, 0)?;
        let opts = edict::JudgeOptions { as_of, explain };
        let v = py.allow_threads(|| self.inner.judge_with(&value, opts));
        match v {
            Ok(v) => verdict_py(py, &v),
            Err(e) => Err(record_err(py, e)),
        }
    }

    /// Judges many records (any iterable of dicts): a list with one verdict dict per record,
    /// in order. A record that cannot be read gives `{"id", "line", "error"}` (`line` its
    /// 1-based position), as `edict eval` does, unless `errors="raise"`.
    #[pyo3(signature = (records, as_of = None, explain = false, errors = "record"))]
    fn judge_many<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        explain: bool,
        errors: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let raise = match errors {
            "record" => false,
            "raise" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "errors must be \"record\" or \"raise\", not {other:?}"
                )))
            }
        };
        let as_of = instant(as_of)?;
        let opts = edict::JudgeOptions { as_of, explain };
        let mut values = Vec::new();
        for r in records.try_iter()? {
            values.push(to_json(&r?, 0));
        }
        // Conversion errors (a value Python cannot express as JSON) are per record too.
        let results: Vec<Result<edict::Verdict, edict::RecordError>> = {
            let engine = &self.inner;
            let values = &values;
            py.allow_threads(move || {
                values
                    .iter()
                    .map(|v| match v {
                        Ok(v) => engine.judge_with(v, opts),
                        Err(_) => Err(edict::RecordError {
                            id: None,
                            message: String::new(),
                        }),
                    })
                    .collect()
            })
        };
        let out = PyList::empty(py);
        for (i, (r, v)) in results.into_iter().zip(values).enumerate() {
            match (r, v) {
                (Ok(verdict), _) => out.append(verdict_py(py, &verdict)?)?,
                (Err(_), Err(conv)) => {
                    if raise {
                        return Err(conv);
                    }
                    let d = PyDict::new(py);
                    d.set_item("id", py.None())?;
                    d.set_item("line", i + 1)?;
                    d.set_item("error", conv.value(py).str()?)?;
                    out.append(d)?;
                }
                (Err(e), Ok(_)) => {
                    if raise {
                        return Err(record_err(py, e));
                    }
                    let d = PyDict::new(py);
                    d.set_item("id", e.id)?;
                    d.set_item("line", i + 1)?;
                    d.set_item("error", e.message)?;
                    out.append(d)?;
                }
            }
        }
        Ok(out)
    }

    /// Judges one record and explains it: `{"verdict": …, "tree": …}` (the verdict's
    /// findings carry `explain`; the tree is what `edict explain` prints).
    #[pyo3(signature = (record, as_of = None))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let as_of = instant(as_of)?;
        let value = to_json(record, 0)?;
        let r = py.allow_threads(|| self.inner.explain(&value, as_of));
        let e = r.map_err(|e| record_err(py, e))?;
        let d = PyDict::new(py);
        d.set_item("verdict", verdict_py(py, &e.verdict)?)?;
        d.set_item("tree", e.tree)?;
        Ok(d)
    }

    /// Judges every row of `data` (a `pyarrow.RecordBatch`, `Table` or
    /// `RecordBatchReader`, or a Polars/DuckDB object with `to_arrow()`) at `as_of`.
    ///
    /// Columns are read by field name straight from Arrow (strings, timestamps,
    /// decimal128, ints, bools, structs, lists) through the C data interface; the GIL is
    /// released while judging. Returns a `pyarrow.Table`, one row per finding (see
    /// `edict.findings_schema()`); a record that cannot be read gives one row with `error`
    /// set; `row` is the record's position in `data`.
    #[pyo3(signature = (data, as_of = None))]
    fn judge_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of_obj = instant(as_of)?.to_string().into_pyobject(py)?.into_any();
        let pa = py.import("pyarrow")?;
        let mut data = data.clone();
        if !data.is_instance(&pa.getattr("RecordBatch")?)?
            && !data.is_instance(&pa.getattr("Table")?)?
            && !data.is_instance(&pa.getattr("RecordBatchReader")?)?
        {
            if data.hasattr("to_arrow")? {
                data = data.call_method0("to_arrow")?;
            } else {
                return Err(PyTypeError::new_err(format!(
                    "judge_arrow takes a pyarrow RecordBatch, Table or RecordBatchReader \
                     (or an object with to_arrow()), not {}",
                    data.get_type().name()?
                )));
            }
        }
        let batches = if data.is_instance(&pa.getattr("Table")?)? {
            data.call_method0("to_batches")?
        } else if data.is_instance(&pa.getattr("RecordBatch")?)? {
            PyList::new(py, [data])?.into_any()
        } else {
            data
        };
        let out = PyList::empty(py);
        let mut first = 0i64;
        for b in batches.try_iter()? {
            let b = b?;
            let n: i64 = b.getattr("num_rows")?.extract()?;
            out.append(self.judge_batch(py, &b, Some(&as_of_obj), first)?)?;
            first += n;
        }
        let schema = Engine::findings_schema(py)?;
        pa.getattr("Table")?
            .call_method1("from_batches", (out, schema))
    }

    /// Judges one `pyarrow.RecordBatch`: a RecordBatch of findings (the schema of
    /// `findings_schema()`); `first_row` is added to the `row` column. The call Spark's
    /// `mapInArrow` makes per batch.
    #[pyo3(signature = (batch, as_of = None, first_row = 0))]
    fn judge_batch<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        first_row: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = instant(as_of)?;
        let batch = import_batch(batch)?;
        let engine = &self.inner;
        let out = py
            .allow_threads(|| arrow_out::judge_batch(engine, &batch, as_of.as_micros(), first_row));
        let out = out.map_err(RecordError::new_err)?;
        export_batch(py, out)
    }

    /// The schema of `judge_arrow`'s output, as a `pyarrow.Schema`.
    #[staticmethod]
    fn findings_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let empty = RecordBatch::new_empty(arrow_out::schema());
        let b = export_batch(py, empty)?;
        b.getattr("schema")
    }
}

/// Reads a `pyarrow.RecordBatch` through the C data interface (no copy).
fn import_batch(batch: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let mut array = FFI_ArrowArray::empty();
    let mut schema = FFI_ArrowSchema::empty();
    batch.call_method1(
        "_export_to_c",
        (
            std::ptr::addr_of_mut!(array) as usize,
            std::ptr::addr_of_mut!(schema) as usize,
        ),
    )?;
    // SAFETY: pyarrow has just filled both structs with a struct array and its schema;
    // `from_ffi` takes ownership of the array (released when the data is dropped).
    let data = unsafe { from_ffi(array, &schema) }
        .map_err(|e| PyValueError::new_err(format!("not an Arrow record batch: {e}")))?;
    let s = StructArray::from(data);
    Ok(RecordBatch::from(s))
}

/// Hands a batch to pyarrow through the C data interface.
fn export_batch(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let s: StructArray = batch.into();
    let (mut array, mut schema) =
        to_ffi(&s.to_data()).map_err(|e| EdictError::new_err(e.to_string()))?;
    let pa = py.import("pyarrow")?;
    let cls = pa.getattr("RecordBatch")?;
    // pyarrow moves the array and schema out of the structs (leaving them released).
    cls.call_method1(
        "_import_from_c",
        (
            std::ptr::addr_of_mut!(array) as usize,
            std::ptr::addr_of_mut!(schema) as usize,
        ),
    )
}

/// Checks policies: the list of diagnostics (dicts), empty when they check cleanly.
/// Raises `PolicyError` only when nothing could be read (no policy files, unreadable IR).
#[pyfunction]
fn check<'py>(py: Python<'py>, path: std::path::PathBuf) -> PyResult<Bound<'py, PyList>> {
    let r = py.allow_threads(|| edict::Policies::load(&path));
    let out = PyList::empty(py);
    match r {
        Ok(_) => Ok(out),
        Err(edict::LoadError::Invalid(ds)) => {
            for d in &ds {
                out.append(diag_dict(py, d)?)?;
            }
            Ok(out)
        }
        Err(e) => Err(load_err(py, e)),
    }
}

#[pymodule]
fn _edict(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Policies>()?;
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add("findings_schema", Engine::findings_schema(py)?)?;
    m.add("EdictError", py.get_type::<EdictError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("RecordError", py.get_type::<RecordError>())?;
    Ok(())
}
