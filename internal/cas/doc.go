// Package cas is Doorway's domain: the people, agencies and records of a Coordinated Access System,
// their validation rules, who may do what, and the error codes every layer speaks. It knows nothing
// of databases, HTTP or templates; the store, web and command-line packages are built on it.
package cas
