"""HTTP, by audience: candidates, the vendor/recruiter API, and the middleware they share."""
