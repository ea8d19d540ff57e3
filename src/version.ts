/** The package version, reported in logs and the OpenAPI document. */
export const VERSION = '0.9.0';
