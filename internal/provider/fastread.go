package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// NewServer returns the provider's protocol server: the framework's, with
// ReadDataSource served directly (see fastServer).
func NewServer(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		p := &TalkdeskProvider{version: version}
		fw := providerserver.NewProtocol6(p)()
		s := &fastServer{ProviderServer: fw, provider: p, sources: map[string]*dataSource{}}
		for _, newDS := range p.DataSources(context.Background()) {
			if ds, ok := newDS().(*dataSource); ok {
				s.sources["talkdesk_"+ds.typeName] = ds
			}
		}
		return s, nil
	}
}

// fastServer serves data source reads without the framework's state
// handling. After Read, the framework converts the whole state into
// framework values to check semantic equality with the configuration: for
// 100,000 usage rows that alone costs hundreds of MiB. Our computed
// results have no prior value to compare with, so the state is built as a
// raw value (the same readFunc the framework path uses) and encoded
// straight to the wire. Schemas, validation and configuration stay with
// the framework.
type fastServer struct {
	tfprotov6.ProviderServer
	provider *TalkdeskProvider
	sources  map[string]*dataSource
}

func (s *fastServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	ds, ok := s.sources[req.TypeName]
	data := s.provider.data.Load()
	if !ok || data == nil || req.Config == nil {
		return s.ProviderServer.ReadDataSource(ctx, req)
	}
	ctx = maskSecrets(ctx, data.secrets)
	typ := ds.schema.Type().TerraformType(ctx)
	raw, err := req.Config.Unmarshal(typ)
	if err != nil {
		//nolint:nilerr // the protocol reports failures as diagnostics
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError, Summary: "Unable to read the configuration", Detail: err.Error(),
		}}}, nil
	}
	state, diags := ds.readState(ctx, data.client, tfsdk.Config{Raw: raw, Schema: ds.schema})
	resp := &tfprotov6.ReadDataSourceResponse{Diagnostics: protoDiagnostics(diags)}
	if diags.HasError() {
		return resp, nil
	}
	packed, err := state.msgpack()
	if err != nil {
		resp.Diagnostics = append(resp.Diagnostics, &tfprotov6.Diagnostic{
			Severity: tfprotov6.DiagnosticSeverityError, Summary: "Unable to encode the state", Detail: err.Error(),
		})
		return resp, nil //nolint:nilerr // the protocol reports failures as diagnostics
	}
	resp.State = &tfprotov6.DynamicValue{MsgPack: packed}
	return resp, nil
}

// protoDiagnostics converts framework diagnostics for the wire.
func protoDiagnostics(diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	out := make([]*tfprotov6.Diagnostic, 0, len(diags))
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: d.Summary(), Detail: d.Detail()}
		if d.Severity() == diag.SeverityError {
			pd.Severity = tfprotov6.DiagnosticSeverityError
		}
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			pd.Attribute = attributePath(dp.Path())
		}
		out = append(out, pd)
	}
	return out
}

func attributePath(p path.Path) *tftypes.AttributePath {
	ap := tftypes.NewAttributePath()
	for _, step := range p.Steps() {
		switch st := step.(type) {
		case path.PathStepAttributeName:
			ap = ap.WithAttributeName(string(st))
		case path.PathStepElementKeyInt:
			ap = ap.WithElementKeyInt(int(st))
		case path.PathStepElementKeyString:
			ap = ap.WithElementKeyString(string(st))
		default:
			return ap
		}
	}
	return ap
}
