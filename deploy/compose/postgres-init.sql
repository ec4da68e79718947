-- One database per service that owns data: policy-service (servers, grants, policies) and audit-service (decisions).
CREATE DATABASE warden_policy;
CREATE DATABASE warden_audit;
