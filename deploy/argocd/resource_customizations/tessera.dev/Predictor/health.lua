-- Argo CD health check for Tessera's Predictor (tessera.dev/v1alpha1).
-- Tessera's status follows kstatus (sigs.k8s.io/cli-utils/pkg/kstatus): status.observedGeneration and
-- the conditions Ready (reconciled), Reconciling (in progress) and Stalled (failed, or stuck until
-- someone acts); the operator never sets Reconciling and Stalled both True.
-- It uses no standard library (no string, no math), so it runs from argocd-cm without useOpenLibs.
local hs = {}

local function said(condition)
  if condition.message == nil or condition.message == "" then
    return condition.reason or ""
  end
  if condition.reason == nil or condition.reason == "" then
    return condition.message
  end
  return condition.reason .. ": " .. condition.message
end

local function isTrue(condition)
  return condition ~= nil and condition.status == "True"
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Tessera operator to report a status"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the Tessera operator to observe generation " .. generation
  return hs
end

local conditions = {}
for _, condition in ipairs(obj.status.conditions) do
  conditions[condition.type] = condition
end
local ready, reconciling, stalled = conditions["Ready"], conditions["Reconciling"], conditions["Stalled"]

if isTrue(reconciling) then
  hs.status = "Progressing"
  hs.message = said(reconciling)
  if isTrue(stalled) then
    hs.message = hs.message .. "; " .. said(stalled)
  end
  return hs
end

if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = said(stalled)
  return hs
end

if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = said(ready)
  return hs
end

hs.status = "Progressing"
if ready ~= nil then
  hs.message = said(ready)
else
  hs.message = "Waiting for the Tessera operator to report Ready"
end
return hs
