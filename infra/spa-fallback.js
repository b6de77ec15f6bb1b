// CloudFront Function (cloudfront-js-2.0), viewer request of the SPA's default behaviour.
// A client-side route such as /chat/abc has no object in the site bucket: serve /index.html
// and let the app route. Anything whose last segment has a dot is a real asset and passes
// through (a missing asset stays a 404 instead of becoming HTML). API paths never get here:
// they have their own behaviours.
function handler(event) {
    var request = event.request;
    var last = request.uri.substring(request.uri.lastIndexOf("/") + 1);
    if (last.indexOf(".") === -1) {
        request.uri = "/index.html";
    }
    return request;
}
