//! C ABI exposed to Python through cffi (maturin `bindings = "cffi"`).

use std::ffi::{c_char, CStr, CString};

/// Version of the Rust core this extension was built from (static string).
#[no_mangle]
pub extern "C" fn tasker_py_core_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Handle a task; the caller frees the result with `tasker_py_free_string`.
///
/// # Safety
/// `name` must be a valid NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn tasker_py_handle(name: *const c_char) -> *mut c_char {
    let name = CStr::from_ptr(name).to_string_lossy();
    let task = tasker_shared::Task::new(&name, "python");
    CString::new(tasker_worker::handle(&task.name, &task.queue))
        .unwrap()
        .into_raw()
}

/// # Safety
/// `s` must come from `tasker_py_handle` and be freed only once.
#[no_mangle]
pub unsafe extern "C" fn tasker_py_free_string(s: *mut c_char) {
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}
