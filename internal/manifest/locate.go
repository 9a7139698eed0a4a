package manifest

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// locate records where each decoded entry was written.
func locate(m *Manifest, root *yaml.Node, file string) {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return
	}
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, v := top.Content[i].Value, top.Content[i+1]
		at := func(j int) Location {
			return Location{File: file, Line: v.Content[j].Line, Path: fmt.Sprintf("%s[%d]", key, j)}
		}
		switch key {
		case "ucutil":
			if m.UCUtil != nil {
				m.UCUtil.At = Location{File: file, Line: v.Line, Path: key}
			}
		case "gateways":
			for j := range m.Gateways {
				m.Gateways[j].At = at(j)
			}
		case "huntGroups":
			for j := range m.HuntGroups {
				m.HuntGroups[j].At = at(j)
			}
		case "contacts":
			for j := range m.Contacts {
				m.Contacts[j].At = at(j)
			}
		case "eum":
			for j := range m.EUM {
				m.EUM[j].At = at(j)
				locateAddresses(&m.EUM[j], v.Content[j])
			}
		}
	}
}

func locateAddresses(u *EUMUser, n *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "addresses" {
			continue
		}
		seq := n.Content[i+1]
		for j := range u.Addresses {
			u.Addresses[j].At = Location{File: u.At.File, Line: seq.Content[j].Line, Path: fmt.Sprintf("%s.addresses[%d]", u.At.Path, j)}
		}
	}
}
