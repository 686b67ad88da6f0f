// The one rule for names a user gives: tenants, groups, tags and key names.

/** Letters, digits, `_`, `.` and `-`, 1 to 64 of them. */
export const NAME_PATTERN = /^[\w.-]{1,64}$/;

/** Whether a tenant, group, tag or key name follows NAME_PATTERN. */
export const isName = (value: string): boolean => NAME_PATTERN.test(value);
