//! C ABI consumed by the Ruby gem through Fiddle.

use std::ffi::{c_char, CStr, CString};

/// Version of the Rust core this library was built from (static string).
#[no_mangle]
pub extern "C" fn tasker_rb_core_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Version of tasker-shared linked into this library (static string).
#[no_mangle]
pub extern "C" fn tasker_rb_shared_version() -> *const c_char {
    static V: std::sync::OnceLock<CString> = std::sync::OnceLock::new();
    V.get_or_init(|| CString::new(tasker_shared::version()).unwrap())
        .as_ptr()
}

/// Handle a task; the caller frees the result with `tasker_rb_free_string`.
///
/// # Safety
/// `name` must be a valid NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn tasker_rb_handle(name: *const c_char) -> *mut c_char {
    let name = CStr::from_ptr(name).to_string_lossy();
    CString::new(tasker_worker::handle(&name, "ruby"))
        .unwrap()
        .into_raw()
}

/// # Safety
/// `s` must come from `tasker_rb_handle` and be freed only once.
#[no_mangle]
pub unsafe extern "C" fn tasker_rb_free_string(s: *mut c_char) {
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}
