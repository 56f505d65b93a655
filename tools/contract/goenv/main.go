// Lists the environment variables a Go service's binary reads, reading its source with Go's own parser and type checker.
//
//	go run tools/contract/goenv/main.go <service root> <checkout>
//
// Prints one JSON document (see report) on stdout; exit 2 on a usage or input error (message on stderr).
// The standard library only, so it runs with `go run` and no module download: go/build decides which files are part of
// the binary for linux/amd64 (file-name suffixes and //go:build lines, as `go build` does), go/parser reads them by
// Go's grammar, go/types resolves names and folds constant expressions (go/constant), strconv.Unquote (inside go/types)
// gives string literals their Go value. Packages outside the service's module are stand-ins: os and syscall declare
// only their environment functions, every other package is empty, so their uses are type errors that are ignored.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// envRead is one variable read by name at a constant.
type envRead struct {
	Name     string   `json:"name"`
	Defaults []string `json:"defaults"`
	Files    []string `json:"files"`
}

// unresolved is an environment access the tool cannot name: a non-constant name, the whole environment, a value use.
type unresolved struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Call string `json:"call"`
	Why  string `json:"why"`
}

// report is what the program prints.
type report struct {
	Module     string       `json:"module"`
	Root       string       `json:"root"`
	Target     string       `json:"target"`
	Files      []string     `json:"files"`
	Excluded   []string     `json:"excluded"`
	Vars       []envRead    `json:"vars"`
	Unresolved []unresolved `json:"unresolved"`
	Problems   []string     `json:"problems"`
}

// envFuncs are the standard library's readers of the process environment, by package path.
// os: Getenv, LookupEnv, Environ, ExpandEnv (pkg.go.dev/os); syscall: Getenv, Environ (pkg.go.dev/syscall).
var envFuncs = map[string][]string{
	"os":      {"Getenv", "LookupEnv", "Environ", "ExpandEnv"},
	"syscall": {"Getenv", "Environ"},
}

// byName are the functions whose first argument is the variable's name.
var byName = map[string]bool{"Getenv": true, "LookupEnv": true}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run main.go <service root> <checkout>")
		os.Exit(2)
	}
	r, err := scan(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(2)
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}

// goMod reads the module path and the go version of a go.mod (the `module` and `go` directives, go.dev/ref/mod#go-mod-file).
func goMod(file string) (module string, minor int, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.SplitN(line, "//", 2)[0])
		if len(f) == 2 && f[0] == "module" {
			module = f[1]
			if u, err := strconv.Unquote(module); err == nil {
				module = u
			}
		}
		if len(f) == 2 && f[0] == "go" {
			if m := regexp.MustCompile(`^1\.(\d+)`).FindStringSubmatch(f[1]); m != nil {
				minor, _ = strconv.Atoi(m[1])
			}
		}
	}
	if module == "" {
		return "", 0, fmt.Errorf("%s: no module directive", file)
	}
	return module, minor, nil
}

// inside tells whether a real path is the folder or under it.
func inside(real, folder string) bool {
	return real == folder || strings.HasPrefix(real, folder+string(filepath.Separator))
}

// context is go/build's view of a linux/amd64 build (GOOS and GOARCH file-name suffixes, //go:build and // +build
// lines: go/build's doc.go "Build Constraints" and cmd/go "go help buildconstraint"), with the release tags of the
// newer of this toolchain and the module's go line, cgo as go/build's default for linux/amd64 (on), and no other tag.
// Reading a folder lists none of its entries whose real path leaves the checkout; those are noted as problems.
func context(checkout string, goMinor int, problems *[]string) build.Context {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.Compiler = "linux", "amd64", "gc"
	ctx.CgoEnabled = true
	ctx.BuildTags = nil
	ctx.ToolTags = []string{"amd64.v1"}
	ctx.GOPATH = ""
	ctx.Dir = ""
	minor := goMinor
	if m := regexp.MustCompile(`^go1\.(\d+)`).FindStringSubmatch(runtime.Version()); m != nil {
		if n, _ := strconv.Atoi(m[1]); n > minor {
			minor = n
		}
	}
	ctx.ReleaseTags = nil
	for i := 1; i <= minor; i++ {
		ctx.ReleaseTags = append(ctx.ReleaseTags, fmt.Sprintf("go1.%d", i))
	}
	ctx.ReadDir = func(dir string) ([]os.FileInfo, error) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var infos []os.FileInfo
		for _, e := range entries {
			full := filepath.Join(dir, e.Name())
			real, err := filepath.EvalSymlinks(full)
			if err != nil {
				*problems = append(*problems, fmt.Sprintf("%s: cannot follow (%v)", full, err))
				continue
			}
			if !inside(real, checkout) {
				*problems = append(*problems, fmt.Sprintf("%s: a link out of the checkout (to %s), not read", full, real))
				continue
			}
			info, err := os.Stat(real)
			if err != nil {
				return nil, err
			}
			infos = append(infos, renamed{info, e.Name()})
		}
		return infos, nil
	}
	return ctx
}

// renamed is a followed link's file info under the link's own name.
type renamed struct {
	os.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

// pkgInfo is one package of the binary.
type pkgInfo struct {
	dir     string
	path    string
	files   []*ast.File
	names   []string
	imports []string
	types   *types.Package
	info    *types.Info
}

// stand-in packages: os and syscall with their environment functions only, every other one empty.
func standIn(path string) *types.Package {
	name := path[strings.LastIndex(path, "/")+1:]
	if i := strings.IndexAny(name, ".-"); i > 0 {
		name = name[:i]
	}
	pkg := types.NewPackage(path, name)
	str := types.Typ[types.String]
	for _, fn := range envFuncs[path] {
		var params, results []*types.Var
		switch fn {
		case "Getenv":
			params = []*types.Var{types.NewVar(token.NoPos, pkg, "key", str)}
			results = []*types.Var{types.NewVar(token.NoPos, pkg, "", str)}
		case "LookupEnv":
			params = []*types.Var{types.NewVar(token.NoPos, pkg, "key", str)}
			results = []*types.Var{types.NewVar(token.NoPos, pkg, "", str), types.NewVar(token.NoPos, pkg, "", types.Typ[types.Bool])}
		case "Environ":
			results = []*types.Var{types.NewVar(token.NoPos, pkg, "", types.NewSlice(str))}
		case "ExpandEnv":
			params = []*types.Var{types.NewVar(token.NoPos, pkg, "s", str)}
			results = []*types.Var{types.NewVar(token.NoPos, pkg, "", str)}
		}
		sig := types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), types.NewTuple(results...), false)
		pkg.Scope().Insert(types.NewFunc(token.NoPos, pkg, fn, sig))
	}
	pkg.MarkComplete()
	return pkg
}

// importer hands the type checker the module's own checked packages and stand-ins for the rest.
type importer struct {
	own    map[string]*pkgInfo
	others map[string]*types.Package
}

func (im importer) Import(path string) (*types.Package, error) {
	if p, ok := im.own[path]; ok && p.types != nil {
		return p.types, nil
	}
	if p, ok := im.others[path]; ok {
		return p, nil
	}
	p := standIn(path)
	im.others[path] = p
	return p, nil
}

func scan(rootArg, checkoutArg string) (*report, error) {
	checkout, err := filepath.EvalSymlinks(checkoutArg)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(rootArg)
	if err != nil {
		return nil, err
	}
	if !inside(root, checkout) {
		return nil, fmt.Errorf("%s: the service folder leaves the checkout %s", rootArg, checkoutArg)
	}
	module, goMinor, err := goMod(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	r := &report{Module: module, Root: root, Target: "linux/amd64", Files: []string{}, Excluded: []string{},
		Vars: []envRead{}, Unresolved: []unresolved{}, Problems: []string{}}
	ctx := context(checkout, goMinor, &r.Problems)
	fset := token.NewFileSet()
	pkgs := map[string]*pkgInfo{}
	var order []string
	// The main package and every package of the module it imports, in the order the type checker needs them.
	var visit func(path, dir string) error
	visiting := map[string]bool{}
	visit = func(path, dir string) error {
		if _, done := pkgs[path]; done || visiting[path] {
			return nil
		}
		visiting[path] = true
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("import %q: no folder %s in the checkout", path, rel(root, dir)))
			return nil
		}
		if !inside(real, checkout) {
			r.Problems = append(r.Problems, fmt.Sprintf("import %q: folder %s is a link out of the checkout (to %s), not read", path, rel(root, dir), real))
			return nil
		}
		bp, err := ctx.ImportDir(dir, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			r.Problems = append(r.Problems, fmt.Sprintf("import %q: no Go file for linux/amd64 in %s", path, rel(root, dir)))
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", rel(root, dir), err)
		}
		for _, f := range bp.IgnoredGoFiles {
			if !strings.HasSuffix(f, "_test.go") {
				r.Excluded = append(r.Excluded, rel(root, filepath.Join(dir, f)))
			}
		}
		p := &pkgInfo{dir: dir, path: path, imports: bp.Imports}
		for _, name := range append(append([]string{}, bp.GoFiles...), bp.CgoFiles...) {
			file := filepath.Join(dir, name)
			f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
			if err != nil {
				return err
			}
			p.files = append(p.files, f)
			p.names = append(p.names, rel(root, file))
		}
		for _, imp := range bp.Imports {
			if strings.HasPrefix(imp, module+"/") {
				if err := visit(imp, filepath.Join(root, filepath.FromSlash(imp[len(module)+1:]))); err != nil {
					return err
				}
			}
		}
		pkgs[path] = p
		order = append(order, path)
		return nil
	}
	if err := visit(module, root); err != nil {
		return nil, err
	}
	if p, ok := pkgs[module]; !ok || len(p.files) == 0 || p.files[0].Name.Name != "main" {
		return nil, fmt.Errorf("%s: no package main for linux/amd64 in the service folder", rootArg)
	}
	im := importer{own: pkgs, others: map[string]*types.Package{}}
	for _, path := range order {
		p := pkgs[path]
		p.info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
			Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: im, Error: func(error) {}, FakeImportC: true}
		p.types, _ = conf.Check(path, fset, p.files, p.info)
		r.Files = append(r.Files, p.names...)
	}
	sort.Strings(r.Files)
	sort.Strings(r.Excluded)
	collect(r, root, fset, pkgs, order)
	return r, nil
}

func rel(root, file string) string {
	if s, err := filepath.Rel(root, file); err == nil {
		return filepath.ToSlash(s)
	}
	return file
}

// helper is a function of the module whose parameter at key is the name of a variable it reads.
type helper struct{ key, params int }

// envFunc tells whether an object is one of the standard library's environment readers.
func envFunc(obj types.Object) (string, bool) {
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil {
		return "", false
	}
	for _, name := range envFuncs[fn.Pkg().Path()] {
		if name == fn.Name() {
			return fn.Pkg().Path() + "." + name, true
		}
	}
	return "", false
}

// walk visits every node of a file with the chain of nodes above it.
func walk(f *ast.File, visit func(n ast.Node, stack []ast.Node)) {
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		visit(n, stack)
		stack = append(stack, n)
		return true
	})
}

// enclosingFunc is the innermost named function declaration around a node, or nil (inside a function literal too).
func enclosingFunc(stack []ast.Node) *ast.FuncDecl {
	for i := len(stack) - 1; i >= 0; i-- {
		switch s := stack[i].(type) {
		case *ast.FuncLit:
			return nil
		case *ast.FuncDecl:
			return s
		}
	}
	return nil
}

// paramIndex is the position of a parameter of fn that expr names, or -1.
func paramIndex(info *types.Info, fn *ast.FuncDecl, expr ast.Expr) int {
	id, ok := unparen(expr).(*ast.Ident)
	if !ok || fn == nil {
		return -1
	}
	obj := info.Uses[id]
	i := 0
	for _, field := range fn.Type.Params.List {
		for _, name := range field.Names {
			if info.Defs[name] == obj && obj != nil {
				return i
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return -1
}

func countParams(fn *ast.FuncDecl) int {
	n := 0
	for _, field := range fn.Type.Params.List {
		if len(field.Names) == 0 {
			n++
		}
		n += len(field.Names)
	}
	return n
}

// callee is the identifier a call names (f, pkg.f, x.m), or nil.
func callee(call *ast.CallExpr) *ast.Ident {
	switch fun := unparen(call.Fun).(type) {
	case *ast.Ident:
		return fun
	case *ast.SelectorExpr:
		return fun.Sel
	}
	return nil
}

// constValue is the Go value of a constant expression as text ("" and false when not constant).
func constValue(info *types.Info, expr ast.Expr) (string, bool) {
	tv, ok := info.Types[expr]
	if !ok || tv.Value == nil {
		return "", false
	}
	switch tv.Value.Kind() {
	case constant.String:
		return constant.StringVal(tv.Value), true
	case constant.Float:
		return tv.Value.String(), true
	default:
		return tv.Value.ExactString(), true
	}
}

func collect(r *report, root string, fset *token.FileSet, pkgs map[string]*pkgInfo, order []string) {
	// Helpers: functions of the module passing a parameter on as the name to an environment reader or to another
	// helper, found until no more appear (getEnvOrDefault(key, def) calling os.Getenv(key), and its callers alike).
	helpers := map[types.Object]helper{}
	for changed := true; changed; {
		changed = false
		for _, path := range order {
			p := pkgs[path]
			for _, f := range p.files {
				walk(f, func(n ast.Node, stack []ast.Node) {
					call, ok := n.(*ast.CallExpr)
					if !ok || len(call.Args) == 0 {
						return
					}
					id := callee(call)
					if id == nil {
						return
					}
					obj := p.info.Uses[id]
					key := -1
					if name, ok := envFunc(obj); ok && byName[name[strings.LastIndex(name, ".")+1:]] {
						key = 0
					} else if h, ok := helpers[obj]; ok && obj != nil {
						key = h.key
					}
					if key < 0 || key >= len(call.Args) {
						return
					}
					fn := enclosingFunc(stack)
					if i := paramIndex(p.info, fn, call.Args[key]); i >= 0 {
						def := p.info.Defs[fn.Name]
						if _, known := helpers[def]; def != nil && !known {
							helpers[def] = helper{key: i, params: countParams(fn)}
							changed = true
						}
					}
				})
			}
		}
	}
	vars := map[string]*struct{ defaults, files map[string]bool }{}
	add := func(name, def, file string) {
		v := vars[name]
		if v == nil {
			v = &struct{ defaults, files map[string]bool }{map[string]bool{}, map[string]bool{}}
			vars[name] = v
		}
		if def != "" {
			v.defaults[def] = true
		}
		v.files[file] = true
	}
	for _, path := range order {
		p := pkgs[path]
		for fi, f := range p.files {
			file := p.names[fi]
			walk(f, func(n ast.Node, stack []ast.Node) {
				id, ok := n.(*ast.Ident)
				if !ok {
					return
				}
				obj := p.info.Uses[id]
				name, isEnv := envFunc(obj)
				h, isHelper := helpers[obj]
				if (!isEnv && !isHelper) || obj == nil {
					return
				}
				if !isEnv {
					name = id.Name
				}
				// The call whose function this identifier is (f(...) or pkg.f(...)), if any.
				var call *ast.CallExpr
				var above []ast.Node
				up := len(stack) - 1
				if up >= 0 {
					if sel, ok := stack[up].(*ast.SelectorExpr); ok && sel.Sel == id {
						up--
					}
				}
				for up >= 0 {
					if _, ok := stack[up].(*ast.ParenExpr); !ok {
						break
					}
					up--
				}
				if up >= 0 {
					if c, ok := stack[up].(*ast.CallExpr); ok && callee(c) == id {
						call = c
						above = stack[:up]
					}
				}
				pos := fset.Position(id.Pos())
				miss := func(text, why string) {
					r.Unresolved = append(r.Unresolved, unresolved{File: file, Line: pos.Line, Call: text, Why: why})
				}
				if call == nil {
					miss(name, "used as a value, not called: the variable it reads is not known")
					return
				}
				key := 0
				if isHelper {
					key = h.key
				} else if !byName[id.Name] {
					miss(callText(name, call), "reads the whole environment, not one variable by name")
					return
				}
				if key >= len(call.Args) {
					miss(callText(name, call), "called without the name argument")
					return
				}
				arg := call.Args[key]
				value, ok := constValue(p.info, arg)
				if !ok {
					// A helper's own read of its parameter is counted at the helper's call sites.
					if fn := enclosingFunc(stack); fn != nil {
						if hh, ok := helpers[p.info.Defs[fn.Name]]; ok && paramIndex(p.info, fn, arg) == hh.key {
							return
						}
					}
					miss(callText(name, call), "the name is not a constant")
					return
				}
				def := ""
				if isHelper {
					if key+1 < len(call.Args) && key+1 < h.params {
						def, _ = constValue(p.info, call.Args[key+1])
					}
				} else {
					def = directDefault(p.info, call, above)
				}
				add(value, def, file)
			})
		}
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := vars[name]
		r.Vars = append(r.Vars, envRead{Name: name, Defaults: sorted(v.defaults), Files: sorted(v.files)})
	}
}

func sorted(set map[string]bool) []string {
	out := []string{}
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// callText is a call as text under the reader's package path (os.Environ(), os.ExpandEnv("$HOME")), however imported.
func callText(name string, call *ast.CallExpr) string {
	args := make([]string, len(call.Args))
	for i, a := range call.Args {
		args[i] = types.ExprString(a)
	}
	return name + "(" + strings.Join(args, ", ") + ")"
}

// unparen is an expression without the parentheses around it.
func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// directDefault is the default a direct read gets where it stands: "true" for `os.Getenv(K) != "false"`, or what
// `if v == "" { v = C }` / `if v == "" { return C }` puts in place of `v := os.Getenv(K)` in the statement after it.
func directDefault(info *types.Info, call *ast.CallExpr, above []ast.Node) string {
	if len(above) < 2 {
		return ""
	}
	parent := above[len(above)-1]
	if bin, ok := parent.(*ast.BinaryExpr); ok && bin.Op == token.NEQ {
		other := bin.Y
		if unparen(bin.Y) == call {
			other = bin.X
		}
		if v, ok := constValue(info, other); ok && v == "false" {
			return "true"
		}
	}
	assign, ok := parent.(*ast.AssignStmt)
	if !ok || len(assign.Lhs) != 1 || len(assign.Rhs) != 1 || unparen(assign.Rhs[0]) != call {
		return ""
	}
	v, ok := assign.Lhs[0].(*ast.Ident)
	if !ok {
		return ""
	}
	obj := info.Defs[v]
	if obj == nil {
		obj = info.Uses[v]
	}
	block, ok := above[len(above)-2].(*ast.BlockStmt)
	if !ok {
		return ""
	}
	for i, st := range block.List {
		if st != assign || i+1 >= len(block.List) {
			continue
		}
		guard, ok := block.List[i+1].(*ast.IfStmt)
		if !ok || guard.Init != nil || !isEmptyTest(info, guard.Cond, obj) {
			return ""
		}
		for _, s := range guard.Body.List {
			switch s := s.(type) {
			case *ast.AssignStmt:
				if len(s.Lhs) == 1 && len(s.Rhs) == 1 {
					if id, ok := s.Lhs[0].(*ast.Ident); ok && info.Uses[id] == obj {
						d, _ := constValue(info, s.Rhs[0])
						return d
					}
				}
			case *ast.ReturnStmt:
				if len(s.Results) >= 1 {
					d, _ := constValue(info, s.Results[0])
					return d
				}
			}
		}
	}
	return ""
}

// isEmptyTest tells whether cond is `v == ""` (either way round) for the variable obj.
func isEmptyTest(info *types.Info, cond ast.Expr, obj types.Object) bool {
	bin, ok := unparen(cond).(*ast.BinaryExpr)
	if !ok || bin.Op != token.EQL {
		return false
	}
	for _, pair := range [][2]ast.Expr{{bin.X, bin.Y}, {bin.Y, bin.X}} {
		if id, ok := unparen(pair[0]).(*ast.Ident); ok && info.Uses[id] == obj {
			if v, ok := constValue(info, pair[1]); ok && v == "" {
				return true
			}
		}
	}
	return false
}
