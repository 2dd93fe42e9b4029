"""The HTTP face of the service: routing with token checks (`routing`, `auth`), request bodies
(`bodies`), problem+json (`problems`, the one place domain errors become HTTP answers), and each
route family's request and response side (`intake`, `staff`, `public`). Nothing below this
package sees a request."""
